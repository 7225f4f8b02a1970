#!/usr/bin/env bash
# Installs the pinned @qdrant/js-client-rest from npm into .node-qdrant (once; later runs reuse it)
# and runs the scenario against $QDRANT_URL. Node.js is installed with apt only when absent.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
dir="$root/.node-qdrant"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  apt-get install -y --no-install-recommends nodejs npm >/dev/null
fi
stamp="$dir/.installed-$(cat "$here/package.json" "$here/package-lock.json" | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  rm -rf "$dir"
  mkdir -p "$dir"
  cp "$here/package.json" "$here/package-lock.json" "$dir/"
  (cd "$dir" && npm ci --silent --no-audit --no-fund)
  touch "$stamp"
fi
NODE_PATH="$dir/node_modules" exec node "$here/scenario.js"
