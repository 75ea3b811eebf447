#!/usr/bin/env bash
# Measures the data plane against the same loopback receiver, in one run, as
# ratios to a baseline (public tools: hey, and /proc for memory):
#   1. send --count N --concurrency C  vs  hey -n N -c C           (target >= 0.8x)
#   2. hey through the adapter         vs  hey straight to receiver (target >= 0.45x)
# plus the adapter's p99 latency under that load, its CPU time per event and its
# peak RSS. The adapter runs as the manifest deploys it: GOMAXPROCS from its
# 1-CPU limit; a second row shows it with Go's default GOMAXPROCS for comparison.
# Each figure is the median of ROUNDS interleaved rounds. Everything is bounded in
# count (N per run) and stays on 127.0.0.1.
# Usage: test/bench/run.sh   (env: N=100000 C=32 ROUNDS=3)
set -euo pipefail
N=${N:-100000}; C=${C:-32}; ROUNDS=${ROUNDS:-3}
repo=$(cd "$(dirname "$0")/../.." && pwd)
command -v hey >/dev/null || { apt-get update -qq && apt-get install -y -qq hey; }
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
(cd "$repo" && go build -o "$work/" ./cmd/kubectl-kymamesh ./cmd/kymamesh-adapter ./test/testbed/cereceiver)

"$work/cereceiver" -addr 127.0.0.1:19501 -quiet & pids+=($!)
EVENT_SOURCE=bench K_SINK=http://127.0.0.1:19501/ PORT=19502 METRICS_PORT=19503 GOMAXPROCS=1 "$work/kymamesh-adapter" 2>/dev/null & adapter=$!; pids+=($adapter)
EVENT_SOURCE=bench K_SINK=http://127.0.0.1:19501/ PORT=19504 METRICS_PORT=19505 "$work/kymamesh-adapter" 2>/dev/null & adapter2=$!; pids+=($adapter2)
for port in 19502 19504; do
  for _ in $(seq 50); do curl -sf http://127.0.0.1:$port/readyz >/dev/null 2>&1 && break; sleep 0.1; done
done

ce=(-m POST -T application/json -H "Ce-Specversion: 1.0" -H "Ce-Id: 1" -H "Ce-Type: bench" -H "Ce-Source: /bench" -d '{"n":1}')
hey_run() { # url -> "rps p99ms"
  hey -n "$N" -c "$C" "${ce[@]}" "$1" > "$work/hey.txt"
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/hey.txt")
  p99=$(awk '/99% in/ {print $3 * 1000}' "$work/hey.txt")
  codes=$(awk '/\[[0-9]+\]/ {printf "%s%s", sep, $0; sep=","}' "$work/hey.txt" | tr -s ' ')
  case "$codes" in *"[202]"*"$N responses"*) ;; *) echo "hey to $1: not all accepted: $codes" >&2; exit 1 ;; esac
  echo "$rps $p99"
}
send_run() {
  "$work/kubectl-kymamesh" send --to http://127.0.0.1:19501/ --type bench --data '{"n":1}' --count "$N" --concurrency "$C" -o json 2>/dev/null \
    | sed -n 's/.*"eventsPerSecond":\([0-9.]*\).*"p99Millis":\([0-9.]*\).*/\1 \2/p'
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # user + system CPU time, in clock ticks
adapter_run() { # url pid -> "rps p99ms cpu-us-per-event"
  t0=$(ticks "$2"); r=$(hey_run "$1"); t1=$(ticks "$2")
  echo "$r $(awk "BEGIN {printf \"%.1f\", ($t1 - $t0) * 1e6 / $(getconf CLK_TCK) / $N}")"
}

: > "$work/direct"; : > "$work/send"; : > "$work/adapter"; : > "$work/adapter2"
for r in $(seq "$ROUNDS"); do
  hey_run http://127.0.0.1:19501/ >> "$work/direct"
  send_run >> "$work/send"
  adapter_run http://127.0.0.1:19502/ "$adapter" >> "$work/adapter"
  adapter_run http://127.0.0.1:19504/ "$adapter2" >> "$work/adapter2"
done
col() { cut -d' ' -f"$2" "$work/$1" | median; }
d=$(col direct 1)
row() { # label file -> one table row: events/s, p99, ratio, CPU per event
  printf '| %s | %.0f | %s | %s | %s |\n' "$1" "$(col "$2" 1)" "$(col "$2" 2)" \
    "$(awk "BEGIN {printf \"%.2f\", $(col "$2" 1)/$d}")" "${3:-$(col "$2" 3)}"
}
rss=$(awk '/VmHWM/ {print $2/1024}' "/proc/$adapter/status")
echo "| measurement (N=$N, concurrency $C, median of $ROUNDS) | events/s | p99 ms | ratio | adapter CPU us/event |"
echo "|---|---|---|---|---|"
row "hey straight to the receiver (baseline)" direct -
row "kubectl kymamesh send" send -
row "hey through kymamesh-adapter, as deployed (GOMAXPROCS=1)" adapter
row "hey through kymamesh-adapter, Go's default GOMAXPROCS" adapter2
echo
echo "Adapter (as deployed) peak RSS under load: $(printf %.1f "$rss") MB."
