#!/usr/bin/env bash
# Throughput by replica count: hey through 1, 2 and 3 adapter processes (each as
# deployed, GOMAXPROCS=1) behind one TCP balancer (test/bench/tcpbalance: per
# connection, in turn, as kproxy and kube-proxy balance), against hey straight
# at the same loopback receiver, in one run, interleaved; the median of ROUNDS.
# Also one adapter without the balancer, to show what the balancer costs.
# Usage: test/bench/replicas.sh   (env: N=100000 C=32 ROUNDS=3)
set -euo pipefail
N=${N:-100000}; C=${C:-32}; ROUNDS=${ROUNDS:-3}
case "$N$C" in *[!0-9]*|"") echo "error: N and C must be whole numbers" >&2; exit 2 ;; esac
if [ "$N" -lt "$C" ] || [ "$C" -lt 1 ]; then echo "error: N ($N) must be at least C ($C), and C at least 1" >&2; exit 2; fi
N=$((N / C * C)) # hey sends N/C per worker
repo=$(cd "$(dirname "$0")/../.." && pwd)
command -v hey >/dev/null || { apt-get update -qq && apt-get install -y -qq hey; }
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
(cd "$repo" && go build -o "$work/" ./cmd/kymamesh-adapter ./test/testbed/cereceiver ./test/bench/tcpbalance)
"$work/cereceiver" -addr 127.0.0.1:19701 -quiet & pids+=($!)
adapter_pids=()
for i in 1 2 3; do
  GOMAXPROCS=1 EVENT_SOURCE=bench K_SINK=http://127.0.0.1:19701/ PORT=$((19710 + 2 * i)) METRICS_PORT=$((19711 + 2 * i)) \
    "$work/kymamesh-adapter" 2>/dev/null & pids+=($!); adapter_pids+=($!)
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$((19710 + 2 * i))/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
done
# One balancer per replica count, in front of the first 1, 2 or 3 adapters.
"$work/tcpbalance" 127.0.0.1:19721 127.0.0.1:19712 & pids+=($!)
"$work/tcpbalance" 127.0.0.1:19722 127.0.0.1:19712 127.0.0.1:19714 & pids+=($!)
"$work/tcpbalance" 127.0.0.1:19723 127.0.0.1:19712 127.0.0.1:19714 127.0.0.1:19716 & pids+=($!)
sleep 0.3
hey_run() { # url -> "rps p99ms"
  hey -n "$N" -c "$C" -m POST -T application/json -H "Ce-Specversion: 1.0" -H "Ce-Id: 1" -H "Ce-Type: bench" \
    -H "Ce-Source: /bench" -d '{"n":1}' "$1" > "$work/hey.txt"
  grep -q "\[202\].*$N responses" "$work/hey.txt" || { echo "hey to $1: not all accepted" >&2; cat "$work/hey.txt" >&2; exit 1; }
  awk '/Requests\/sec/ {r = $2} /99% in/ {p = $3 * 1000} END {print r, p}' "$work/hey.txt"
}
ticks() { local t=0 p; for p in "${adapter_pids[@]}"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo "$t"; }
rows=(direct one r1 r2 r3)
declare -A url=([direct]=http://127.0.0.1:19701/ [one]=http://127.0.0.1:19712/ [r1]=http://127.0.0.1:19721/ [r2]=http://127.0.0.1:19722/ [r3]=http://127.0.0.1:19723/)
for r in "${rows[@]}"; do : > "$work/$r"; done
for _ in $(seq "$ROUNDS"); do
  for r in "${rows[@]}"; do
    t0=$(ticks); res=$(hey_run "${url[$r]}"); t1=$(ticks)
    echo "$res $(awk "BEGIN {printf \"%.1f\", ($t1 - $t0) * 1e6 / $(getconf CLK_TCK) / $N}")" >> "$work/$r"
  done
done
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
col() { cut -d' ' -f"$2" "$work/$1" | median; }
d=$(col direct 1); one=$(col r1 1)
echo "| measurement (N=$N, concurrency $C, median of $ROUNDS; all rounds) | events/s | p99 ms | ratio to hey direct | ratio to 1 replica | adapters' CPU us/event |"
echo "|---|---|---|---|---|---|"
row() {
  printf '| %s (%s) | %.0f | %s | %.2f | %s | %s |\n' "$1" "$(awk '{printf "%s%.0f", s, $1; s = ", "}' "$work/$2")" "$(col "$2" 1)" "$(col "$2" 2)" \
    "$(awk "BEGIN {print $(col "$2" 1)/$d}")" "$3" "$(col "$2" 3)"
}
row "hey straight to the receiver (baseline)" direct ""  | sed 's/| 0.0 |$/| |/' 
row "1 adapter, no balancer" one ""
for n in 1 2 3; do row "$n adapter(s) behind the balancer" "r$n" "$(awk "BEGIN {printf \"%.2f\", $(col "r$n" 1)/$one}")"; done
