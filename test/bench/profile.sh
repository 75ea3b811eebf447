#!/usr/bin/env bash
# Profiles the adapter as deployed (GOMAXPROCS=1) under hey, the sink a loopback
# receiver on 127.0.0.1: a CPU profile of the adapter's process for the whole
# load and its allocations, then where the time goes, as shares of the
# adapter's CPU samples (cumulative, so the rows overlap: a system call made by
# net/http's server counts under both).
# Usage: test/bench/profile.sh   (env: N=200000 C=32 OUT=dir to keep the profiles in)
set -euo pipefail
N=${N:-200000}; C=${C:-32}
repo=$(cd "$(dirname "$0")/../.." && pwd)
command -v hey >/dev/null || { apt-get update -qq && apt-get install -y -qq hey; }
work=$(mktemp -d); out=${OUT:-$work}; mkdir -p "$out"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
(cd "$repo" && go build -o "$work/" ./test/bench/adapterprof ./test/testbed/cereceiver)
"$work/cereceiver" -addr 127.0.0.1:19601 -quiet & pids+=($!)
GOMAXPROCS=1 DRAIN_PERIOD=0s EVENT_SOURCE=bench K_SINK=http://127.0.0.1:19601/ PORT=19602 METRICS_PORT=19603 \
  "$work/adapterprof" "$out/cpu.pprof" "$out/allocs.pprof" 2>/dev/null & ad=$!
for _ in $(seq 50); do curl -sf http://127.0.0.1:19602/readyz >/dev/null 2>&1 && break; sleep 0.1; done
hey -n "$N" -c "$C" -m POST -T application/json -H "Ce-Specversion: 1.0" -H "Ce-Id: 1" -H "Ce-Type: bench" \
  -H "Ce-Source: /bench" -d '{"n":1}' http://127.0.0.1:19602/ | awk '/Requests\/sec|99% in|\[[0-9]+\]/'
kill -TERM "$ad"; wait "$ad" || true
top=$(cd "$repo" && go tool pprof -top -cum -nodecount=100000 "$out/cpu.pprof" 2>/dev/null)
echo "adapter's CPU in the profile: $(echo "$top" | awk '/^Duration:/' ), $N events"
share() { # label regex (on the function's name) -> the largest cumulative share among matches
  echo "$top" | awk -v l="$1" -v re="$2" 'NR > 6 && $6 ~ re { s = $5; sub("%", "", s); if (s + 0 > m) m = s + 0 } END { printf "| %s | %.1f%% |\n", l, m }'
}
echo "| where the adapter's CPU goes (cumulative) | share |"
echo "|---|---|"
share "system calls (all: sockets' read, write, epoll)" '^internal/runtime/syscall/linux.Syscall6$|^syscall.Syscall6?$|^syscall.RawSyscall6$'
share "net/http server: conn.serve (the whole request loop, the handler included)" '^net/http.\(\*conn\).serve$'
share "  reading and parsing the request (readRequest)" '^net/http.\(\*conn\).readRequest$'
share "  net/http's background read (noticing a sender hang up)" '^net/http.\(\*connReader\).backgroundRead$'
share "  writing the answer (finishRequest)" '^net/http.\(\*response\).finishRequest$'
share "the adapter's handler (Handler.ServeHTTP)" '^github.com/kubectl-kymamesh/kubectl-kymamesh/adapter.\(\*Handler\).ServeHTTP$'
share "  the sink exchange (sinkPool.roundTrip)" '^github.com/kubectl-kymamesh/kubectl-kymamesh/adapter.\(\*sinkPool\).roundTrip$'
share "    parsing the sink's answer (http.ReadResponse)" '^net/http.ReadResponse$'
share "  reading the body (readBodyWith)" '^github.com/kubectl-kymamesh/kubectl-kymamesh/adapter.\(\*Handler\).readBodyWith$'
share "  checking the binary event's headers" '^github.com/kubectl-kymamesh/kubectl-kymamesh/adapter.checkBinaryHeaders$'
share "allocation (mallocgc)" '^runtime.mallocgc$'
share "garbage collection (gcBgMarkWorker)" '^runtime.gcBgMarkWorker$'
share "scheduler (schedule, findRunnable, netpoll)" '^runtime.schedule$'
echo
echo "Allocations (the adapter's whole run), largest by space:"
(cd "$repo" && go tool pprof -sample_index=alloc_space -top -nodecount=12 "$out/allocs.pprof" 2>/dev/null | sed -n '4,18p')
(cd "$repo" && go tool pprof -sample_index=alloc_objects -top -nodecount=1 "$out/allocs.pprof" 2>/dev/null | awk '/^Showing|total$/ {print "objects:", $0}' | head -2)
