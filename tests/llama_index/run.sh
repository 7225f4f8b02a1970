#!/usr/bin/env bash
# Installs the pinned llama-index-vector-stores-qdrant from PyPI into .venv-llama-index (once; later runs reuse it) and runs the
# scenario against $QDRANT_URL.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$(bash "$here/../python_venv.sh" llama-index "$here/requirements.txt")"
exec "$venv/bin/python" "$here/scenario.py"
