# Sourced by the peer benchmark scripts: `ensure_venv VENV REQUIREMENTS MODULE...` creates the
# virtual environment VENV with the pinned packages of REQUIREMENTS, and recreates it only when
# REQUIREMENTS changes (its sha256 is kept in VENV/.requirements.sha256) or when one of the
# MODULEs no longer imports. PYTHON [python3] is the interpreter it is made from.

ensure_venv() {
    local venv="$1" requirements="$2"
    shift 2
    local stamp="$venv/.requirements.sha256" want imports
    want="$(sha256sum "$requirements" | cut -d' ' -f1)"
    imports="import $(IFS=,; echo "$*")"
    if [[ -x "$venv/bin/python" ]] && "$venv/bin/python" -c "$imports" >/dev/null 2>&1 \
        && [[ -f "$stamp" ]] && [[ "$(cat "$stamp")" == "$want" ]]; then
        return 0
    fi
    rm -rf "$venv"
    "${PYTHON:-python3}" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    "$venv/bin/python" -m pip install --quiet -r "$requirements"
    echo "$want" >"$stamp"
}
