#!/usr/bin/env bash
# Builds the test bed's ingress controller, once: Traefik (Kubernetes Ingress
# and Gateway API providers), from the Go module proxy, and fetches the Gateway
# API CRDs of the version Traefik's go.mod requires.
# The module ships without its built web UI but embeds webui/static, so the
# build uses a copy of the module (hard links into the module cache, under the
# cache folder, never committed) with one empty page there. Traefik's own
# go.mod (its replace directives) is the main module: nothing is re-resolved.
# Cached in traefik-<stamp>/ (traefik, gateway-api-crds.yaml) beside build.sh's
# folders; one build at a time (a lock); the go tool's output goes to a log.
# Usage: traefik/build.sh           prints the folder on its last line
#        traefik/build.sh --cached  the same if it is built, else exit 1 (no build)
# Env:   KYMAMESH_TESTBED_CACHE (as build.sh)
set -euo pipefail
cache=${KYMAMESH_TESTBED_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-kymamesh/testbed}
mkdir -p "$cache"
traefik_version=v3.5.0
flags=(-trimpath -ldflags "-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=$traefik_version")
webui_page='<!doctype html><title>traefik</title>'
# The ACME provider's DNS challenge imports every one of lego's DNS providers
# (256 packages, and the cloud SDKs they pull in: cmd/traefik has 1,564
# packages without them, 2,476 with them; the binary 128 MB instead of 216); the static configuration imports the ACME
# provider, so no smaller main avoids them. The copy's provider.go goes
# without (a DNS challenge is then refused when configured); the test bed
# uses no ACME at all.
acme_sed='/^\t"github.com\/go-acme\/lego\/v4\/providers\/dns"$/d; s/provider, err = dns.NewDNSChallengeProviderByName(p.DNSChallenge.Provider)/provider, err = nil, fmt.Errorf("ACME DNS challenge provider %q: not built into the test bed'"'"'s Traefik", p.DNSChallenge.Provider)/'
stamp=$(echo "$traefik_version ${flags[*]} $webui_page $acme_sed" | sha256sum | cut -c1-16)
out=$cache/traefik-$stamp
if [ -x "$out/traefik" ] && [ -s "$out/gateway-api-crds.yaml" ]; then echo "$out"; exit 0; fi
[ "${1:-}" != --cached ] || exit 1
exec 9>"$cache/build-traefik.lock"
flock 9
if [ -x "$out/traefik" ] && [ -s "$out/gateway-api-crds.yaml" ]; then echo "$out"; exit 0; fi
log=$cache/build-traefik.log
: > "$log"
t0=$SECONDS
fail() { echo "testbed: traefik: $1 failed after $((SECONDS - t0)) s; the end of $log:" >&2; tail -n 20 "$log" >&2; exit 1; }
echo "testbed: building Traefik $traefik_version from the Go module proxy, once (about 350 CPU-seconds without lego's DNS providers, measured 2026-12-02; cached in $out); log: $log" >&2
dir=$(cd /tmp && GOFLAGS=-mod=mod go mod download -json "github.com/traefik/traefik/v3@$traefik_version" 2>>"$log" |
  sed -n 's/^\t"Dir": "\(.*\)",$/\1/p') || true
[ -n "$dir" ] || fail "downloading github.com/traefik/traefik/v3@$traefik_version"
rm -rf "$out.tmp"; mkdir -p "$out.tmp"
work=$out.tmp/work
cp -al "$dir" "$work"
chmod u+w "$work" "$work/webui"
mkdir -p "$work/webui/static"
echo "$webui_page" > "$work/webui/static/index.html"
acme=pkg/provider/acme/provider.go
rm "$work/$acme"
sed "$acme_sed" "$dir/$acme" > "$work/$acme"
grep -q 'not built into the test bed' "$work/$acme" && ! grep -q 'lego/v4/providers/dns"' "$work/$acme" ||
  fail "Traefik's $acme changed; update the DNS providers' cut in this script"
gw=$(cd "$work" && go list -m -f '{{.Version}}' sigs.k8s.io/gateway-api 2>>"$log") || fail "reading Traefik's gateway-api version"
gwdir=$(cd "$work" && go mod download -json "sigs.k8s.io/gateway-api@$gw" 2>>"$log" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p') || true
[ -n "$gwdir" ] && [ -d "$gwdir/config/crd/standard" ] || fail "downloading sigs.k8s.io/gateway-api@$gw"
for f in "$gwdir"/config/crd/standard/*.yaml; do echo '---'; cat "$f"; done > "$out.tmp/gateway-api-crds.yaml"
echo "$gw" > "$out.tmp/gateway-api-version"
(cd "$work" && go build "${flags[@]}" -o "$out.tmp/traefik" ./cmd/traefik) >>"$log" 2>&1 || fail "go build ./cmd/traefik"
rm -rf "$work" # root: the read-only folders of the module cache copy go too
rm -rf "$out"; mv "$out.tmp" "$out"
echo "testbed: Traefik $traefik_version built in $((SECONDS - t0)) s ($(du -m "$out/traefik" | cut -f1) MB; Gateway API $gw CRDs)" >&2
echo "$out"
