#!/bin/sh
# memory.sh is issue 14's memory probe: it posts 8 concurrent copies of each
# of three hostile 40-megapixel files (a TIFF whose one deflate strip
# inflates to 320 MB, a progressive 4:4:4 JPEG, a 16-bit PNG; all a few
# hundred KB, see bench/probes) to a real `digitnet serve` run with its
# defaults, twice, while sampling the server's VmRSS every 100 ms. It prints
# the answers' status codes, the peak RSS (VmHWM) and how long RSS takes to
# fall back under 100 MiB.
#
#   bench/memory.sh [-b digitnet-binary] [-r rounds] [-t content-type]
#
# The files go as raw bodies with Content-Type application/octet-stream
# (-t image/png for servers from before issue 15, which refused it).
#
# Targets: peak RSS <= 512 MiB, only 200/4xx/503 answers, back under
# 100 MiB within a minute. The exit status is 1 when one is missed.
set -eu
bin="" rounds=2 ctype=application/octet-stream
while getopts b:r:t: opt; do
	case $opt in
	b) bin=$OPTARG ;;
	r) rounds=$OPTARG ;;
	t) ctype=$OPTARG ;;
	*) echo "usage: $0 [-b digitnet-binary] [-r rounds] [-t content-type]" >&2; exit 2 ;;
	esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
if [ -z "$bin" ]; then
	(cd "$root" && go build -o "$tmp/digitnet" ./cmd/digitnet)
	bin=$tmp/digitnet
fi
(cd "$root" && go run ./bench/probes -dir "$tmp")

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || echo 18081)
env -u GOGC -u GOMEMLIMIT "$bin" serve --addr "127.0.0.1:$port" 2>"$tmp/serve.log" &
pid=$!
i=0
until curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -lt 100 ] || { echo "memory.sh: server did not start:" >&2; cat "$tmp/serve.log" >&2; exit 1; }
	sleep 0.1
done

kib() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$pid/status"; }
echo "digitnet serve (pid $pid), VmRSS $(($(kib VmRSS) / 1024)) MiB idle; $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"

# RSS every 100 ms, in KiB, for the peak and the fall afterwards.
(while kill -0 "$pid" 2>/dev/null; do kib VmRSS; sleep 0.1; done) >"$tmp/rss" 2>/dev/null &
sampler=$!

post() { # file round n
	curl -s -o "$tmp/body.$2.$3.$(basename "$1")" -w '%{http_code}\n' \
		-H "Content-Type: $ctype" --data-binary "@$1" \
		"http://127.0.0.1:$port/api/v1/predict?name=$(basename "$1")" >>"$tmp/codes.$2.$(basename "$1")" || echo 000 >>"$tmp/codes.$2.$(basename "$1")"
}

bad=0
r=1
while [ $r -le "$rounds" ]; do
	for f in "$tmp/tiff-deflate-bomb.tif" "$tmp/progressive.jpg" "$tmp/png16.png"; do
		t0=$(date +%s.%N)
		n=1 pids=""
		while [ $n -le 8 ]; do
			post "$f" $r $n &
			pids="$pids $!" n=$((n + 1))
		done
		wait $pids
		t1=$(date +%s.%N)
		codes=$(sort "$tmp/codes.$r.$(basename "$f")" | uniq -c | awk '{printf "%s x%s ", $2, $1}')
		peak=$(sort -n "$tmp/rss" | tail -1)
		printf 'round %d %-22s %5.1fs  answers: %s  peak VmRSS so far %d MiB\n' $r "$(basename "$f")" "$(echo "$t1 - $t0" | bc)" "$codes" $((peak / 1024))
		if grep -qvE '^(200|4[0-9][0-9]|503)$' "$tmp/codes.$r.$(basename "$f")"; then bad=1; fi
		example=$(ls "$tmp"/body.$r.*."$(basename "$f")" | head -1)
		echo "    e.g. $(head -c 200 "$example")"
	done
	r=$((r + 1))
done

# Then idle: how long until RSS is back under 100 MiB.
t=0
while [ $t -le 60 ] && [ "$(kib VmRSS)" -ge $((100 * 1024)) ]; do sleep 1; t=$((t + 1)); done
after=$(($(kib VmRSS) / 1024))
hwm=$(($(kib VmHWM) / 1024))
kill "$sampler" 2>/dev/null || true
echo "peak VmRSS (VmHWM) $hwm MiB; VmRSS $after MiB after ${t}s idle; load average $(cut -d' ' -f1-3 /proc/loadavg)"
[ $hwm -le 512 ] || { echo "MISSED: peak RSS over 512 MiB"; bad=1; }
[ $after -lt 100 ] || { echo "MISSED: RSS not back under 100 MiB within a minute"; bad=1; }
[ $bad -eq 0 ] || { echo "MISSED: see above"; exit 1; }
echo "all targets met"
