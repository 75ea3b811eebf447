#!/usr/bin/env bash
# Weighs the plugin beside kubectl, kn and kn-event, in one run (`make bench` runs it inside the
# test bed): stripped binary size, start-up time and peak RSS of `version`,
# peak RSS of a client-side dry run, `trigger list` against the test bed's API
# server beside `kubectl get triggers`, the API requests per command (the e2e
# test that counts them), and where the plugin's size comes from (symbol sizes
# by module). Times are medians of ROUNDS interleaved runs; nothing is asserted.
# Usage: test/bench/weigh.sh   (env: ROUNDS=20; KUBECONFIG for the cluster rows)
set -euo pipefail
ROUNDS=${ROUNDS:-20}
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$repo" && go build -trimpath -ldflags "-s -w" -o "$work/kubectl-kymamesh" ./cmd/kubectl-kymamesh \
  && go build -trimpath -o "$work/unstripped" ./cmd/kubectl-kymamesh)
km=$work/kubectl-kymamesh
kubectl=$(command -v kubectl)
# kn and kn-event from the module proxy (test/bench/peers.sh; cached).
peers=$("$repo/test/bench/peers.sh" | tail -n 1)
kn=""; knevent=""
[ -x "$peers/kn" ] && kn=$peers/kn
[ -x "$peers/kn-event" ] && knevent=$peers/kn-event

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# measure NAME CMD...: appends one wall time (ms) and peak RSS (KiB) to NAME's files.
measure() {
  local name=$1; shift
  local t0 t1
  t0=$(date +%s%N)
  /usr/bin/time -f %M -o "$work/$name.rss1" "$@" >/dev/null 2>&1
  t1=$(date +%s%N)
  echo $(( (t1 - t0) / 1000 )) >> "$work/$name.us"
  cat "$work/$name.rss1" >> "$work/$name.rss"
}
ms() { median < "$work/$1.us" | awk '{printf "%.1f", $1/1000}'; }
mib() { median < "$work/$1.rss" | awk '{printf "%.1f", $1/1024}'; }
ratio() { awk -v a="$(median < "$work/$1.us")" -v b="$(median < "$work/$2.us")" 'BEGIN {printf "%.2f", a/b}'; }

for _ in $(seq 1 "$ROUNDS"); do
  measure km-version "$km" version
  measure kubectl-version "$kubectl" version --client
  measure km-dryrun "$km" trigger create t --sink http://example.com/ --dry-run=client -o yaml
  [ -z "$kn" ] || measure kn-version "$kn" version
  [ -z "$knevent" ] || measure knevent-version "$knevent" version
done

cluster=""
if [ -n "${KUBECONFIG:-}" ] && "$kubectl" get --raw /readyz >/dev/null 2>&1; then
  cluster=1
  ns=weigh-$$
  "$kubectl" create namespace "$ns" >/dev/null
  for i in $(seq 1 20); do "$km" trigger create "t$i" -n "$ns" --sink http://example.com/ >/dev/null; done
  for _ in $(seq 1 "$ROUNDS"); do
    measure km-list "$km" trigger list -n "$ns"
    measure kubectl-list "$kubectl" get triggers.eventing.knative.dev -n "$ns"
    [ -z "$kn" ] || measure kn-list "$kn" trigger list -n "$ns"
  done
  "$kubectl" delete namespace "$ns" --wait=false >/dev/null

  # Bulk: BULK Triggers into a fresh namespace each way, once (bounded).
  BULK=${BULK:-500}
  for i in $(seq 1 "$BULK"); do
    echo "trigger create t$i --sink http://example.com/ --filter type=t$i" >> "$work/bulk.txt"
    printf 'apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata: {name: t%d}\nspec:\n  broker: default\n  filter: {attributes: {type: t%d}}\n  subscriber: {uri: "http://example.com/"}\n---\n' "$i" "$i" >> "$work/bulk.yaml"
  done
  # CPU seconds used so far by the test bed's server side, by process.
  cpu_snapshot() {
    for p in /proc/[0-9]*; do
      awk '$2 ~ /^\((kube-apiserver|etcd|webhook|controller|kube-controller|mtchannel_broke|kubeletlite|kproxy)\)$/ {print $2, $14 + $15}' "$p/stat" 2>/dev/null
    done | awk '{gsub(/[()]/, "", $1); s[$1] += $2} END {for (k in s) printf "%s %.2f\n", k, s[k] / 100}' | sort
  }
  bulk() { # NAME FUNC: runs FUNC with a fresh namespace in $bns, checks BULK Triggers arrived, records wall ms and CPU
    local name=$1; shift
    bns=weigh-$name-$$
    "$kubectl" create namespace "$bns" >/dev/null
    local t0 t1
    cpu_snapshot > "$work/cpu-$name.before"
    t0=$(date +%s%N)
    "$@" >/dev/null
    t1=$(date +%s%N)
    cpu_snapshot > "$work/cpu-$name.after"
    local n
    n=$("$kubectl" get triggers.eventing.knative.dev -n "$bns" -o name | wc -l)
    [ "$n" = "$BULK" ] || { echo "weigh: $name made $n of $BULK Triggers" >&2; exit 1; }
    echo $(( (t1 - t0) / 1000000 )) > "$work/bulk-$name.ms"
    "$kubectl" delete namespace "$bns" --wait=false >/dev/null
  }
  one_by_one() { while read -r line; do eval "\"$km\" $line -n \"$bns\""; done < "$work/bulk.txt"; }
  apply_all() { /usr/bin/time -f "%U %S %M" -o "$work/client-apply" "$kubectl" apply -n "$bns" -f "$work/bulk.yaml"; }
  batch_all() { /usr/bin/time -f "%U %S %M" -o "$work/client-batch" "$km" batch -n "$bns" -f "$work/bulk.txt" --concurrency 16; }
  bulk script one_by_one
  bulk apply apply_all
  bulk batch batch_all
fi

# cpu_used NAME: "process seconds ..." used during bulk NAME.
cpu_used() { join "$work/cpu-$1.before" "$work/cpu-$1.after" | awk '{printf "%s %.2f\n", $1, $3 - $2}'; }
size() { stat -L -c %s "$1" | awk '{printf "%.1f", $1/1000000}'; }
echo "## Weight ($(date -u +%F), ROUNDS=$ROUNDS, medians)"
echo
echo "kubectl: $("$kubectl" version --client 2>/dev/null | head -n 1)"
echo
peer() { # NAME BINARY VALUE: VALUE when the peer was built, else "n/a"
  if [ -n "$2" ]; then echo "$3"; else echo "n/a"; fi
}
echo "kn, kn-event: v0.45.0 built from the module proxy (test/bench/peers.sh), stripped"
echo
echo "| measurement | kubectl-kymamesh | kubectl | kn | kn-event | ratio to kubectl |"
echo "|---|---|---|---|---|---|"
echo "| binary, stripped (MB) | $(size "$km") | $(size "$kubectl") | $(peer kn "$kn" "$(size "${kn:-/dev/null}")") | $(peer kn-event "$knevent" "$(size "${knevent:-/dev/null}")") | $(awk -v a="$(stat -L -c %s "$km")" -v b="$(stat -L -c %s "$kubectl")" 'BEGIN {printf "%.2f", a/b}') |"
echo "| \`version\` wall (ms) | $(ms km-version) | $(ms kubectl-version) (\`version --client\`) | $(peer kn "$kn" "$(ms kn-version 2>/dev/null)") | $(peer kn-event "$knevent" "$(ms knevent-version 2>/dev/null)") | $(ratio km-version kubectl-version) |"
echo "| \`version\` peak RSS (MiB) | $(mib km-version) | $(mib kubectl-version) | $(peer kn "$kn" "$(mib kn-version 2>/dev/null)") | $(peer kn-event "$knevent" "$(mib knevent-version 2>/dev/null)") | |"
echo "| \`trigger create --dry-run=client -o yaml\` peak RSS (MiB) | $(mib km-dryrun) | | | | |"
if [ -n "$cluster" ]; then
  echo "| \`trigger list\` (20 Triggers) wall (ms) | $(ms km-list) | $(ms kubectl-list) (\`get triggers\`) | $(peer kn "$kn" "$(ms kn-list 2>/dev/null)") | | $(ratio km-list kubectl-list) |"
  echo "| \`trigger list\` peak RSS (MiB) | $(mib km-list) | $(mib kubectl-list) | $(peer kn "$kn" "$(mib kn-list 2>/dev/null)") | | |"
  a=$(cat "$work/bulk-apply.ms")
  echo "| $BULK Triggers: a script of $BULK \`trigger create\` (s) | $(awk -v x="$(cat "$work/bulk-script.ms")" 'BEGIN {printf "%.1f", x/1000}') | | | | $(awk -v x="$(cat "$work/bulk-script.ms")" -v a="$a" 'BEGIN {printf "%.2f", x/a}') |"
  echo "| $BULK Triggers: peak RSS (MiB), \`batch\` / \`kubectl apply -f\` | $(awk '{printf "%.1f", $3/1024}' "$work/client-batch") | $(awk '{printf "%.1f", $3/1024}' "$work/client-apply") | | | |"
  echo "| $BULK Triggers: \`batch -f --concurrency 16\` / \`kubectl apply -f\` (s) | $(awk -v x="$(cat "$work/bulk-batch.ms")" 'BEGIN {printf "%.1f", x/1000}') | $(awk -v a="$a" 'BEGIN {printf "%.1f", a/1000}') | | | $(awk -v x="$(cat "$work/bulk-batch.ms")" -v a="$a" 'BEGIN {printf "%.2f (%.1fx faster)", x/a, a/x}') |"
fi
if [ -n "$cluster" ]; then
  echo
  echo "Where the $BULK creates spend CPU (seconds, from /proc of the test bed's processes; client: GNU time user+sys):"
  echo
  echo "| run | wall | client | $(cpu_used apply | awk '{printf "%s | ", $1}')server total |"
  echo "|---|---|---|$(cpu_used apply | awk '{printf "---|"}')---|"
  for name in apply batch; do
    echo "| $name | $(awk -v x="$(cat "$work/bulk-$name.ms")" 'BEGIN {printf "%.2f", x/1000}') | $(awk '{printf "%.2f", $1 + $2}' "$work/client-$name") | $(cpu_used "$name" | awk '{printf "%s | ", $2; t += $2} END {printf "%.2f", t}') |"
  done
fi
echo
echo "Where the size comes from (code: text symbol sizes of the unstripped build, by module, MB):"
echo
echo "| module | MB |"
echo "|---|---|"
go tool nm -size "$work/unstripped" | awk '
  $3 ~ /^[Tt]$/ && $4 !~ /^local\./ {
    name = $4; n = split(name, p, "/")
    if (name ~ /^(type|go):/) mod = "(type data)"
    else if (n == 1 || p[1] !~ /\./) mod = "(standard library)"
    else {
      k = (p[1] == "github.com" || p[1] == "golang.org") ? 3 : 2; mod = p[1]
      for (i = 2; i <= k && i <= n; i++) { s = p[i]; if (i == n) sub(/\..*/, "", s); mod = mod "/" s }
    }
    sum[mod] += $2
  }
  END { for (m in sum) printf "%s %.2f\n", m, sum[m] / 1e6 }' | sort -k2 -nr | awk 'NR <= 15 {printf "| %s | %s |\n", $1, $2}'
