#!/usr/bin/env bash
# Installs what the test bed needs from Debian's packages, if it is missing:
# etcd (etcd-server); openssl, curl, iproute2 and util-linux are checked too.
# Needs root for apt-get. kubectl is not among them (Debian has none recent
# enough): kubectl.sh takes the machine's or builds one.
set -euo pipefail
missing=()
command -v etcd >/dev/null || missing+=(etcd-server)
command -v openssl >/dev/null || missing+=(openssl)
command -v curl >/dev/null || missing+=(curl)
command -v ip >/dev/null || missing+=(iproute2)
command -v unshare >/dev/null || missing+=(util-linux)
command -v ss >/dev/null || missing+=(iproute2)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq "${missing[@]}" >&2
fi
