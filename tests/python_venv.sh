#!/usr/bin/env bash
# Usage: python_venv.sh NAME REQUIREMENTS
# Makes sure the virtual environment .venv-NAME at the repository root holds exactly the pinned
# REQUIREMENTS (installed from PyPI once; a stamp of the requirements' hash lets later runs reuse
# it, and a changed file reinstalls), then prints its path. Tests run in parallel: the first one
# installs while the others wait on a lock.
set -euo pipefail
name="$1"
requirements="$2"
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.venv-$name"
stamp="$venv/.installed-$(sha256sum "$requirements" | cut -c1-16)"
exec 9>"$root/.venv-$name.lock"
flock 9
if [ ! -f "$stamp" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements" >&2
  touch "$stamp"
fi
flock -u 9
echo "$venv"
