#!/usr/bin/env bash
# Installs the pinned langchain-qdrant from PyPI into .venv-langchain (once; later runs reuse it) and runs
# the scenario against $QDRANT_URL.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$root/.venv-langchain"
stamp="$venv/.installed-$(sha256sum "$here/requirements.txt" | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  touch "$stamp"
fi
exec "$venv/bin/python" "$here/scenario.py"
