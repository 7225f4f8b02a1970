#!/usr/bin/env bash
# Installs the pinned qdrant-client from PyPI into .venv-qdrant (once; later runs reuse it) and runs the
# scenario (or the script named by the first argument) against $QDRANT_URL.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$(bash "$here/../python_venv.sh" qdrant "$here/requirements.txt")"
exec "$venv/bin/python" "$here/${1:-scenario.py}"
