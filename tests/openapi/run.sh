#!/usr/bin/env bash
# Installs the pinned OpenAPI tools from PyPI into .venv-openapi (once; later runs reuse it), then
#   run.sh validate   validates openapi/openapi.json with openapi-spec-validator;
#   run.sh client     generates a Python client from it with openapi-python-client into a temporary
#                     directory and runs client_scenario.py with it against $PLAIT_URL.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$(bash "$here/../python_venv.sh" openapi "$here/requirements.txt")"
document="$root/openapi/openapi.json"
case "${1:-}" in
  validate)
    exec "$venv/bin/openapi-spec-validator" "$document"
    ;;
  client)
    out="$(mktemp -d)"
    trap 'rm -rf "$out"' EXIT
    # A warning means part of the API is missing from the client: fail on it.
    "$venv/bin/openapi-python-client" generate --path "$document" --config "$here/client-config.yaml" \
      --output-path "$out/plait_client" --meta none --fail-on-warning
    PYTHONPATH="$out" "$venv/bin/python" "$here/client_scenario.py"
    ;;
  *)
    echo "usage: $0 validate|client" >&2
    exit 2
    ;;
esac
