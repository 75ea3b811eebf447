#!/usr/bin/env bash
# Measures the data plane against the same loopback receiver, in one run, as
# ratios to a baseline (public tools: hey, and /proc for CPU time and memory):
#   1. send --count N --concurrency C  vs  hey -n N -c C           (target >= 0.8x)
#   2. hey through the adapter         vs  hey straight to receiver (target >= 0.45x),
#      with its own sink pool and with SINK_CLIENT=net/http (the A/B of the sink client),
#      and with an application token required and presented (target >= 0.95x of the
#      adapter without, issue 17)
# plus the adapter's p99 latency under that load, its CPU time per event and its
# peak RSS. The adapter runs as the manifest deploys it, GOMAXPROCS=1 (from its
# 1-CPU limit), and with Go's default GOMAXPROCS for comparison; where a cgroup
# can be made (root), both also run under the Deployment's 1-CPU quota.
# Each figure is the median of ROUNDS interleaved rounds. Everything is bounded in
# count (N per run) and stays on 127.0.0.1.
# Usage: test/bench/run.sh   (env: N=100000 C=32 ROUNDS=3 BASELINE_ADAPTER=path to another adapter build)
set -euo pipefail
N=${N:-100000}; C=${C:-32}; ROUNDS=${ROUNDS:-3}
# hey gives each of its C workers N/C requests (integer division), so an N that
# is not a multiple of C would send fewer than N and fail the count check below:
# the run uses the largest multiple of C not above N, and says so.
case "$N$C" in *[!0-9]*|"") echo "error: N and C must be whole numbers" >&2; exit 2 ;; esac
if [ "$N" -lt "$C" ] || [ "$C" -lt 1 ]; then echo "error: N ($N) must be at least C ($C), and C at least 1" >&2; exit 2; fi
if [ $((N % C)) -ne 0 ]; then echo "N=$N is not a multiple of C=$C: measuring N=$((N / C * C))" >&2; N=$((N / C * C)); fi
repo=$(cd "$(dirname "$0")/../.." && pwd)
command -v hey >/dev/null || { apt-get update -qq && apt-get install -y -qq hey; }
work=$(mktemp -d)
pids=()
cgroup=""
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -z "$cgroup" ] || rmdir "$cgroup" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
(cd "$repo" && go build -o "$work/" ./cmd/kubectl-kymamesh ./cmd/kymamesh-adapter ./test/testbed/cereceiver)

# A cgroup with a 1-CPU quota, as the adapter's limits.cpu gives it in a pod
# (cgroup v2, else v1's cpu controller); empty where none can be made.
make_quota_cgroup() {
  local v2=/sys/fs/cgroup v1=/sys/fs/cgroup/cpu name=kymamesh-bench-$$
  if grep -qw cpu "$v2/cgroup.controllers" 2>/dev/null && mkdir "$v2/$name" 2>/dev/null; then
    if echo "100000 100000" 2>/dev/null > "$v2/$name/cpu.max"; then echo "$v2/$name"; else rmdir "$v2/$name"; fi
  elif [ -d "$v1" ] && mkdir "$v1/$name" 2>/dev/null; then
    if { echo 100000 > "$v1/$name/cpu.cfs_period_us" && echo 100000 > "$v1/$name/cpu.cfs_quota_us"; } 2>/dev/null; then
      echo "$v1/$name"
    else
      rmdir "$v1/$name"
    fi
  fi
}
cgroup=$(make_quota_cgroup || true)

"$work/cereceiver" -addr 127.0.0.1:19501 -quiet & pids+=($!)
# start_adapter NAME PORT GOMAXPROCS(empty: Go's default) CGROUP(empty: none) [SINK_CLIENT] [BINARY] [CREDENTIALS_DIR]
declare -A port_of pid_of auth_of
start_adapter() {
  (
    [ -z "$4" ] || echo "$BASHPID" > "$4/cgroup.procs"
    [ -z "$3" ] || export GOMAXPROCS="$3"
    [ -z "${5:-}" ] || export SINK_CLIENT="$5"
    [ -z "${7:-}" ] || export CREDENTIALS_DIR="$7"
    EVENT_SOURCE=bench K_SINK=http://127.0.0.1:19501/ PORT=$2 METRICS_PORT=$(($2 + 1)) exec "${6:-$work/kymamesh-adapter}" 2>/dev/null
  ) &
  pids+=($!); pid_of[$1]=$!; port_of[$1]=$2
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$2/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
}
adapters=(deployed nethttp default tokens)
start_adapter deployed 19502 1 ""
start_adapter nethttp 19510 1 "" net/http
start_adapter default 19504 "" ""
# An application with a token, as its mounted Secret gives it (adapter/credfile):
# the adapter requires it, hey presents it.
creds=$work/credentials; mkdir -p "$creds"
token=kmt_$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
printf 'true\n' > "$creds/credentials-required"
printf '{"token":"%s","created":"2026-01-01T00:00:00Z"}\n' "$token" > "$creds/0001"
start_adapter tokens 19514 1 "" "" "" "$creds"
auth_of[tokens]="Authorization: Bearer $token"
# BASELINE_ADAPTER=PATH adds another build of the adapter, as deployed, for an A/B in the same run.
if [ -n "${BASELINE_ADAPTER:-}" ]; then
  adapters+=(baseline)
  start_adapter baseline 19512 1 "" "" "$BASELINE_ADAPTER"
fi
if [ -n "$cgroup" ]; then
  adapters+=(quota1 quotadefault)
  start_adapter quota1 19506 1 "$cgroup"
  start_adapter quotadefault 19508 "" "$cgroup"
fi

ce=(-m POST -T application/json -H "Ce-Specversion: 1.0" -H "Ce-Id: 1" -H "Ce-Type: bench" -H "Ce-Source: /bench" -d '{"n":1}')
hey_run() { # url [header] -> "rps p99ms"
  local extra=()
  [ -z "${2:-}" ] || extra=(-H "$2")
  hey -n "$N" -c "$C" "${ce[@]}" "${extra[@]}" "$1" > "$work/hey.txt"
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
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # user + system CPU time, in clock ticks
adapter_run() { # name -> "rps p99ms cpu-us-per-event"
  local t0 t1 r
  t0=$(ticks "${pid_of[$1]}"); r=$(hey_run "http://127.0.0.1:${port_of[$1]}/" "${auth_of[$1]:-}"); t1=$(ticks "${pid_of[$1]}")
  echo "$r $(awk "BEGIN {printf \"%.1f\", ($t1 - $t0) * 1e6 / $(getconf CLK_TCK) / $N}")"
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

: > "$work/direct"; : > "$work/send"
for a in "${adapters[@]}"; do : > "$work/$a"; done
for r in $(seq "$ROUNDS"); do
  hey_run http://127.0.0.1:19501/ >> "$work/direct"
  send_run >> "$work/send"
  for a in "${adapters[@]}"; do adapter_run "$a" >> "$work/$a"; done
done

col() { cut -d' ' -f"$2" "$work/$1" | median; }
d=$(col direct 1)
row() { # label file [cpu] -> a table row: events/s, p99, ratio to the baseline, CPU per event
  printf '| %s | %.0f | %s | %s | %s |\n' "$1" "$(col "$2" 1)" "$(col "$2" 2)" \
    "$(awk "BEGIN {printf \"%.2f\", $(col "$2" 1)/$d}")" "${3:-$(col "$2" 3)}"
}
echo "| measurement (N=$N, concurrency $C, median of $ROUNDS) | events/s | p99 ms | ratio | adapter CPU us/event |"
echo "|---|---|---|---|---|"
row "hey straight to the receiver (baseline)" direct -
row "kubectl kymamesh send" send -
row "hey through kymamesh-adapter, as deployed (GOMAXPROCS=1)" deployed
row "the same with SINK_CLIENT=net/http (Go's Transport instead of the own pool)" nethttp
row "hey through kymamesh-adapter, Go's default GOMAXPROCS" default
row "hey through kymamesh-adapter with an application token required and presented, as deployed" tokens
echo "| tokens on / off, as deployed | | | $(awk "BEGIN {printf \"%.2f\", $(col tokens 1)/$(col deployed 1)}") (target >= 0.95) | |"
[ -z "${BASELINE_ADAPTER:-}" ] || row "BASELINE_ADAPTER ($BASELINE_ADAPTER), as deployed" baseline
if [ -n "$cgroup" ]; then
  row "the same under a 1-CPU quota, GOMAXPROCS=1 (as deployed)" quota1
  row "the same under a 1-CPU quota, Go's default GOMAXPROCS" quotadefault
else
  echo "| (1-CPU quota rows skipped: no cgroup could be made here) | | | | |"
fi
echo
echo "Adapter (as deployed) peak RSS under load: $(awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/${pid_of[deployed]}/status") MB."
