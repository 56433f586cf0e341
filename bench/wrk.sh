#!/bin/sh
# wrk.sh measures `digitnet serve` as users run it, from another process:
# Debian's wrk (a C load generator, far lighter than a Go client on a
# 2-core machine) posts one of the page's 160x160 example PNGs as a raw
# image/png body over N keep-alive connections, and the server's VmRSS is
# sampled while it runs, to show that memory stays flat. It ends with the
# server's CPU time per request.
#
#   sudo apt-get install -y wrk
#   bench/wrk.sh [-c connections] [-d seconds] [-s sample-every-seconds] [-b digitnet-binary]
#
# Defaults: 16 connections, 20 s, a sample every 5 s.
set -eu
conns=16 secs=20 every=5 bin=""
while getopts c:d:s:b: opt; do
	case $opt in
	c) conns=$OPTARG ;;
	d) secs=$OPTARG ;;
	s) every=$OPTARG ;;
	b) bin=$OPTARG ;;
	*) echo "usage: $0 [-c connections] [-d seconds] [-s sample-every-seconds] [-b digitnet-binary]" >&2; exit 2 ;;
	esac
done
command -v wrk >/dev/null || { echo "wrk.sh: needs wrk (sudo apt-get install -y wrk)" >&2; exit 1; }

root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT INT TERM
if [ -z "$bin" ]; then
	(cd "$root" && go build -o "$tmp/digitnet" ./cmd/digitnet)
	bin=$tmp/digitnet
fi

# A free loopback port, then the server, then wait until it answers.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || echo 18080)
"$bin" serve --addr "127.0.0.1:$port" 2>"$tmp/serve.log" &
pid=$!
i=0
until curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -lt 50 ] || { echo "wrk.sh: server did not start:" >&2; cat "$tmp/serve.log" >&2; exit 1; }
	sleep 0.1
done

cat >"$tmp/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "image/png"
local f = assert(io.open("$root/server/assets/examples/digit-3.png", "rb"))
wrk.body = f:read("*all")
f:close()
LUA

rss() { awk '/VmRSS/ {printf "%.1f MiB", $2/1024}' "/proc/$pid/status"; }
echo "digitnet serve (pid $pid) on 127.0.0.1:$port, VmRSS $(rss) before load; $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
(
	t=0
	while [ $t -lt "$secs" ]; do
		sleep "$every"
		t=$((t + every))
		echo "at ${t}s server VmRSS $(rss)"
	done
) &
sampler=$!
# The server's own CPU time (user + system, fields 14 and 15 of
# /proc/PID/stat, in clock ticks) per request is the figure that carries
# from one host to another: capacity is about cores / CPU per request, while
# requests/s also depends on how fast this host is today and on wrk's share.
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
cpu0=$(cpu)
wrk -t 1 -c "$conns" -d "${secs}s" --latency -s "$tmp/post.lua" "http://127.0.0.1:$port/api/v1/predict" | tee "$tmp/wrk.out"
cpu1=$(cpu)
wait "$sampler" 2>/dev/null || true
awk -v ticks="$((cpu1 - cpu0))" -v hz="$(getconf CLK_TCK)" '/ requests in / && $1 > 0 {
	printf "server CPU %.1f s for %d requests: %.0f µs per request\n", ticks / hz, $1, ticks / hz * 1e6 / $1
}' "$tmp/wrk.out"
echo "server VmRSS $(rss) after load, peak $(awk '/VmHWM/ {printf "%.1f MiB", $2/1024}' "/proc/$pid/status")"
