#!/usr/bin/env bash
# Everything composer and its tests need on a Debian 12 host, as root. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then echo "setup-host.sh: run as root (it installs Debian packages)" >&2; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
packages=(runc skopeo busybox-static socat tini docker-registry nftables iptables iproute2 golang-github-containers-common zstd buildah mmdebstrap uidmap iperf3 gcc python3-venv tmux zsh)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
python3 -m pip install -q --disable-pip-version-check -e '.[test]' 2>&1 | grep -v -e 'Running pip as the' -e 'is ignored: it is neither' || true
# Byte-code ahead of time: an editable install writes none, and with PYTHONDONTWRITEBYTECODE
# set every command would compile composer again (~0.1 s of each `compose` run).
python3 -m compileall -q composer netplugins >/dev/null
