#!/usr/bin/env bash
# Installs the pinned langchain-qdrant from PyPI into .venv-langchain (once; later runs reuse it) and runs the
# scenario against $QDRANT_URL.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$(bash "$here/../python_venv.sh" langchain "$here/requirements.txt")"
exec "$venv/bin/python" "$here/scenario.py"
