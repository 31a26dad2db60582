#!/usr/bin/env bash
# Bring the firethorn example up: the base image (first time only) and the three images,
# then every service started and healthy. Run as root (composer needs it), from anywhere.
set -euo pipefail
cd "$(dirname "$0")"
if [ "$(id -u)" != 0 ]; then echo "up.sh: run as root (containers need it)" >&2; exit 1; fi
export PYTHONPATH="$(cd ../.. && pwd)${PYTHONPATH:+:$PYTHONPATH}"   # composer from this checkout
python3 prepare.py
python3 -m composer up -d --wait --wait-timeout 600
echo "firethorn is up: http://127.0.0.1:${FIRETHORN_PORT:-8080}/ — next steps in $(pwd)/README.md"
