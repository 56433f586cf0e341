#!/usr/bin/env bash
# compare.sh: digitnet against PyTorch on the same work, the Keras MNIST
# tutorial CNN (batch 32, Adam), on this machine. It builds digitnet, runs
# `digitnet bench --json`, runs bench/torch_mnist.py when Debian's
# python3-torch is importable from /usr/bin/python3, and prints the figures
# side by side with ratios and a description of the machine.
#
# It is a measuring script, not a test: run it on an otherwise idle machine,
# since both sides use every core. See bench/README.md for recorded output.

set -euo pipefail

usage() {
	cat <<'EOF'
usage: bench/compare.sh [flags]

Compares digitnet with PyTorch (Debian python3-torch) on the Keras MNIST CNN.

Flags:
  --full            also time a whole tutorial training on each side:
                    `digitnet train --epochs 5` against torch_mnist.py --epochs 5
                    (wall time and peak RSS by /usr/bin/time -v; minutes)
  --full-epochs N   epochs for --full (default 5)
  --limit N         train on the first N images only, on both sides (quick checks;
                    ratios from tiny runs are not meaningful)
  --data DIR        folder with the four MNIST .gz files (default: each side's own
                    lookup: $DIGITNET_DATA, then the GoMNIST Go module)
  --digitnet PATH   use this digitnet binary instead of building one
  --python PATH     interpreter that imports torch (default /usr/bin/python3, where
                    Debian's python3-torch lives; a pyenv/venv python3 on PATH won't see it)
  -h, --help        this help
EOF
}

full=0
full_epochs=5
limit=0
data=""
bin=""
py=/usr/bin/python3
while [ $# -gt 0 ]; do
	case $1 in
	--full) full=1 ;;
	--full-epochs) full_epochs=${2:?--full-epochs needs a value}; shift ;;
	--full-epochs=*) full_epochs=${1#*=} ;;
	--limit) limit=${2:?--limit needs a value}; shift ;;
	--limit=*) limit=${1#*=} ;;
	--data) data=${2:?--data needs a value}; shift ;;
	--data=*) data=${1#*=} ;;
	--digitnet) bin=${2:?--digitnet needs a value}; shift ;;
	--digitnet=*) bin=${1#*=} ;;
	--python) py=${2:?--python needs a value}; shift ;;
	--python=*) py=${1#*=} ;;
	-h | --help) usage; exit 0 ;;
	*) echo "compare.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
	esac
	shift
done
for n in "$limit" "$full_epochs"; do
	case $n in
	'' | *[!0-9]*) echo "compare.sh: --limit and --full-epochs take a whole number, got '$n'" >&2; exit 2 ;;
	esac
done
if [ "$full_epochs" -eq 0 ]; then
	echo "compare.sh: --full-epochs must be positive" >&2
	exit 2
fi

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Debian's python3-torch installs for the system interpreter only; a pyenv
# or venv python3 earlier on PATH would not see it. Any python3 still
# formats the table when torch is missing.
if [ ! -x "$py" ]; then
	py=$(command -v python3 || true)
fi
has_torch=0
deb=""
if [ -n "$py" ] && "$py" -c 'import torch' 2>/dev/null; then
	has_torch=1
fi
timev=""
if /usr/bin/time -v true >/dev/null 2>&1; then
	timev=/usr/bin/time
fi

if [ -z "$bin" ]; then
	echo "building digitnet..." >&2
	(cd "$root" && CGO_ENABLED=0 go build -o "$tmp/digitnet" ./cmd/digitnet)
	bin=$tmp/digitnet
fi

# Pass --limit/--data to `digitnet <cmd>` only if that command has the flag,
# so the script keeps working while the CLI changes.
has_flag() { # cmd flag
	"$bin" "$1" -h 2>&1 | grep -qE -- "^[[:space:]]+-{1,2}$2([[:space:]=]|\$)"
}
dn_args=(--json)
if [ "$limit" -gt 0 ]; then
	if has_flag bench limit; then
		dn_args+=(--limit "$limit")
	elif has_flag bench steps; then
		# digitnet bench times --rounds runs of --steps batches of 32 on
		# random inputs; one run of about N/32 steps is the quick equivalent.
		dn_args+=(--rounds 1 --steps $(((limit + 31) / 32)))
	else
		echo "compare.sh: warning: digitnet bench has no --limit or --steps; it does its full work" >&2
	fi
fi
if [ -n "$data" ] && has_flag bench data; then
	dn_args+=(--data "$data")
fi
pt_args=()
if [ "$limit" -gt 0 ]; then
	pt_args+=(--limit "$limit")
fi
if [ -n "$data" ]; then
	pt_args+=(--data "$data")
fi

# cpu_line prints "model; N CPUs (C cores x T threads, S sockets); avx512 yes".
cpu_line() {
	local l
	l=$(LC_ALL=C lscpu 2>/dev/null || true)
	field() { sed -n "s/^$1:[[:space:]]*//p" <<<"$l" | head -n1; }
	local model cpus tpc cps sockets avx512=no
	model=$(field 'Model name')
	cpus=$(field 'CPU(s)')
	tpc=$(field 'Thread(s) per core')
	cps=$(field 'Core(s) per socket')
	sockets=$(field 'Socket(s)')
	if grep -qw avx512f /proc/cpuinfo 2>/dev/null; then avx512=yes; fi
	echo "${model:-unknown CPU}; ${cpus:-$(nproc)} CPUs (${cps:-?} cores/socket x ${tpc:-?} threads/core, ${sockets:-?} socket); AVX-512 $avx512"
}

echo "== machine"
echo "cpu:      $(cpu_line)"
echo "memory:   $(awk '/^MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
echo "os:       $(uname -srm)"
echo "go:       $(go version 2>/dev/null || echo 'go not on PATH')"
if [ "$has_torch" = 1 ]; then
	# Debian's build calls itself 1.13.0a0; the package version is the useful one.
	deb=$(dpkg-query -W -f='${Version}' python3-torch 2>/dev/null || true)
	DEB_TORCH=${deb:+", Debian python3-torch $deb"} "$py" - <<'EOF'
import os, torch
env = " ".join("%s=%s" % (k, os.environ[k]) for k in
               ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")
               if k in os.environ) or "no OPENBLAS_*/OMP_* set"
info = [l.strip() for l in torch.__config__.parallel_info().splitlines()]
backend = next((l.split(":", 1)[1].strip() for l in info if l.startswith("ATen parallel backend")), "?")
print("torch:    %s%s (%s), python %s; %s" % (torch.__version__, os.environ.get("DEB_TORCH", ""),
      torch.__file__.rsplit("/", 2)[0], os.sys.version.split()[0], env))
print("          parallel backend %s, mkldnn %s" % (backend, torch.backends.mkldnn.is_available()))
EOF
else
	echo "torch:    not installed for ${py:-python3}"
fi
echo "load:     $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min; figures are only fair on an idle machine)"
if awk '{exit !($1 >= 1)}' /proc/loadavg; then
	echo "warning:  the CPU is busy; PyTorch's OpenMP threads slow down far more than digitnet under load"
fi
echo

echo "running digitnet bench ${dn_args[*]}..." >&2
if ! "$bin" bench "${dn_args[@]}" >"$tmp/digitnet.json"; then
	echo "compare.sh: digitnet bench ${dn_args[*]} failed" >&2
	exit 1
fi

pt_json=""
if [ "$has_torch" = 1 ]; then
	echo "running torch_mnist.py ${pt_args[*]}..." >&2
	"$py" "$root/bench/torch_mnist.py" "${pt_args[@]}" >"$tmp/torch.json"
	pt_json=$tmp/torch.json
fi

full_args=()
if [ "$full" = 1 ]; then
	# time_cmd OUT CMD...: wall time and peak RSS in OUT, as `time -v`
	# writes them (or just the wall time when GNU time is missing).
	time_cmd() {
		local out=$1
		shift
		if [ -n "$timev" ]; then
			"$timev" -v -o "$out" "$@"
		else
			local t0 t1
			t0=$(date +%s%N)
			"$@"
			t1=$(date +%s%N)
			echo "wall_seconds: $(((t1 - t0) / 1000000)) ms" >"$out"
		fi
	}
	tr_args=(--epochs "$full_epochs" --out "$tmp/full.safetensors")
	if [ "$limit" -gt 0 ]; then tr_args+=(--limit "$limit"); fi
	if [ -n "$data" ]; then tr_args+=(--data "$data"); fi
	echo "running digitnet train ${tr_args[*]}..." >&2
	time_cmd "$tmp/digitnet-full.time" "$bin" train "${tr_args[@]}" >"$tmp/digitnet-full.out"
	full_args=("$tmp/digitnet-full.out" "$tmp/digitnet-full.time")
	if [ "$has_torch" = 1 ]; then
		echo "running torch_mnist.py --epochs $full_epochs --skip-infer ${pt_args[*]}..." >&2
		time_cmd "$tmp/torch-full.time" "$py" "$root/bench/torch_mnist.py" \
			--epochs "$full_epochs" --skip-infer "${pt_args[@]}" >"$tmp/torch-full.json"
		full_args+=("$tmp/torch-full.json" "$tmp/torch-full.time")
	fi
fi

if [ -z "$py" ]; then
	echo "no python3 to format the table; raw figures:"
	cat "$tmp/digitnet.json" "${pt_json:-/dev/null}"
	exit 0
fi

PY=$py TORCH_LABEL=${deb:-} "$py" - "$tmp/digitnet.json" "${pt_json:-}" "$full_epochs" "${full_args[@]}" <<'EOF'
import json, os, re, sys

def load_json(path):
    """The last line of the file that parses as a JSON object."""
    if not path:
        return None
    text = open(path).read()
    try:
        return json.loads(text)
    except ValueError:
        pass
    for line in reversed(text.splitlines()):
        if line.strip().startswith("{"):
            return json.loads(line)
    sys.exit("compare.sh: no JSON object in %s:\n%s" % (path, text))

def parse_time(path):
    """Wall seconds and peak RSS (MiB) from `time -v -o` output."""
    wall = rss = None
    for line in open(path):
        k, _, v = line.strip().rpartition(": ")
        if k.startswith("Elapsed (wall clock) time"):
            secs = 0.0
            for part in v.split(":"):
                secs = secs * 60 + float(part)
            wall = secs
        elif k == "Maximum resident set size (kbytes)":
            rss = int(v) / 1024
        elif k == "wall_seconds":
            wall = int(v.split()[0]) / 1000
    return wall, rss

def num(v, unit=""):
    if v is None:
        return "-"
    if isinstance(v, float) and v >= 1000:
        return "{:,.0f}{}".format(v, unit)
    if isinstance(v, (int, float)):
        return "{:,.{}f}{}".format(v, 0 if v >= 100 else 1 if v >= 10 else 2 if v >= 0.1 else 3, unit)
    return str(v)

def ratio(d, t, higher_better, words=("faster", "slower")):
    if not d or not t:
        return "-"
    r = d / t if higher_better else t / d
    return "{:.2f}x {}".format(r, words[0]) if r >= 1 else "{:.2f}x {}".format(1 / r, words[1])

rows = []
def row(name, d, t, higher_better=None, words=("faster", "slower"), unit=""):
    rows.append((name, num(d, unit), num(t, unit),
                 "" if higher_better is None else ratio(d, t, higher_better, words)))

dn = load_json(sys.argv[1])
pt = load_json(sys.argv[2]) if sys.argv[2] else None
full_epochs = int(sys.argv[3])
full = sys.argv[4:]
p = pt or {}

def us(d):
    if d.get("infer_batch1_us") is not None:
        return float(d["infer_batch1_us"])
    if d.get("infer_batch1_ms") is not None:
        return float(d["infer_batch1_ms"]) * 1000
    return None

row("train, images/s (batch 32)", dn.get("train_images_per_sec"), p.get("train_images_per_sec"), True)
epoch = lambda d: 60000 / float(d["train_images_per_sec"]) if d.get("train_images_per_sec") else None
row("  = one 60,000-image epoch, s", epoch(dn), epoch(p), False)
row("inference batch 1000, images/s", dn.get("infer_batch1000_images_per_sec"),
    p.get("infer_batch1000_images_per_sec"), True)
row("inference 1 image, median us", us(dn), us(p), False)
row("peak RSS, MiB", dn.get("peak_rss_mib"), p.get("peak_rss_mib"), False, ("less", "more"))
if "test_accuracy" in dn or "test_accuracy" in p:
    acc = lambda d: None if d.get("test_accuracy") is None else 100 * d["test_accuracy"]
    row("test accuracy after the bench training, %", acc(dn), acc(p))

if full:
    out = open(full[0]).read()
    m = re.search(r"test accuracy ([\d.]+)% .* in ([\d.hms]+)", out)
    dn_acc = float(m.group(1)) if m else None
    dn_train = None
    if m:
        dn_train = 0.0
        for amount, unit in re.findall(r"([\d.]+)(h|ms|m|s)", m.group(2)):
            dn_train += float(amount) * {"h": 3600, "m": 60, "s": 1, "ms": 0.001}[unit]
    dn_wall, dn_rss = parse_time(full[1])
    pf, pt_wall, pt_rss = {}, None, None
    if len(full) > 2:
        pf = load_json(full[2])
        pt_wall, pt_rss = parse_time(full[3])
    rows.append(None)
    n = "%d-epoch" % full_epochs
    row(n + " training loop, s", dn_train, pf.get("train_seconds"), False)
    row(n + " whole run (wall, incl. load+eval), s", dn_wall, pt_wall, False)
    row(n + " peak RSS (time -v), MiB", dn_rss, pt_rss, False, ("less", "more"))
    row(n + " test accuracy, %", dn_acc, None if not pf else 100 * pf["test_accuracy"])

print("== digitnet vs PyTorch: Keras MNIST CNN, batch 32, Adam, all cores")
label = os.environ.get("TORCH_LABEL", "").split("+")[0] or p.get("torch")
header = ("metric", "digitnet", "PyTorch" + (" " + label if pt else ""), "ratio (digitnet)")
w = [max(len(header[i]), *(len(r[i]) for r in rows if r)) for i in range(4)]
fmt = "{:<%d}  {:>%d}  {:>%d}  {:<%d}" % tuple(w)
print(fmt.format(*header).rstrip())
print("  ".join("-" * x for x in w))
for r in rows:
    print(fmt.format(*r).rstrip() if r else "")
print()
extra = []
if dn.get("kernel"):
    extra.append("kernel " + str(dn["kernel"]))
if dn.get("threads"):
    extra.append("%s threads" % dn["threads"])
peak = float(dn.get("peak_gflops") or 0)
for key, what in (("train_gflops", "training"), ("gflops", "inference (batch 1000)")):
    if dn.get(key) is not None:
        g = "%s %.1f GFLOPS" % (what, float(dn[key]))
        if peak:
            g += " = %.0f%% of peak" % (100 * float(dn[key]) / peak)
        extra.append(g)
if extra:
    print("digitnet: " + ", ".join(extra))
if dn.get("direct_equivalent_gflops") and dn.get("infer_multiply_adds") != dn.get("direct_multiply_adds"):
    print("          inference does %.2f M multiply-adds per image (Winograd), not the direct convolutions' %.2f M: %.1f GFLOPS direct-equivalent"
          % (dn["infer_multiply_adds"] / 1e6, dn["direct_multiply_adds"] / 1e6, dn["direct_equivalent_gflops"]))
if peak:
    print("          peak %.0f GFLOPS = %s" % (peak, dn.get("peak_how", "?")))
print("          (digitnet bench: random inputs, median of --rounds runs of --steps batches)")
if pt:
    print("PyTorch:  %s, %d threads, real MNIST: %d training images x %d epoch(s) in %s s"
          % (pt["torch"], pt["threads"], pt["images"], pt["epochs"], pt["epoch_seconds"]))
    print("          %s" % pt.get("parallel_info", ""))
    if pt["images"] < 60000:
        print("note: --limit run; training figures from tiny runs are not representative")
else:
    print("PyTorch is not installed for %s, so only digitnet's figures are shown." % os.environ["PY"])
    print("To compare: sudo apt-get install -y python3-torch   (Debian 12 ships 1.13.1), then re-run")
    print("(or pass --python PATH for an interpreter that can import torch).")
print()
print("raw digitnet: " + json.dumps(dn))
if pt:
    print("raw pytorch:  " + json.dumps(pt))
EOF
echo "load:     $(cut -d' ' -f1-3 /proc/loadavg) at the end"
