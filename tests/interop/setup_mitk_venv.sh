#!/usr/bin/env bash
# Create the Python 3.12 venv with MITK's own wheel (mitk-python) that the interop tests
# in this folder use to let real MITK read and write segmentations.
#
# Why a separate venv: mitk-python only exists for Python 3.12, Demarcate runs on 3.11+.
# Where: $MITK_VENV, default .mitk-venv in the repository root (the tests look there,
# or at $DEMARCATE_MITK_PYTHON). Idempotent: an existing venv is kept and only completed
# (never deleted: when `import mitk` fails there, the cause is usually a system library).
# Interpreter: pyenv's newest 3.12 when pyenv is there, else python3.12 on PATH.
# System libraries: the wheel bundles ITK/VTK/DCMTK but links libX11 and libXrender
# (no display and no OpenGL needed); on a bare Debian/Ubuntu install
# `apt-get install libx11-6 libxrender1`.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="${MITK_VENV:-$repo_root/.mitk-venv}"

if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import mitk' >/dev/null 2>&1; then
    echo "MITK venv ready: $venv ($("$venv/bin/python" -c 'import mitk; print(mitk.__version__)'))"
    exit 0
fi

python=""
if command -v pyenv >/dev/null 2>&1; then
    for candidate in $(ls -d "$(pyenv root)"/versions/3.12*/bin/python3.12 2>/dev/null | sort -V -r); do
        if [ -x "$candidate" ]; then
            python="$candidate"
            break
        fi
    done
fi
if [ -z "$python" ] && command -v python3.12 >/dev/null 2>&1; then
    python="$(command -v python3.12)"
fi
if [ -z "$python" ]; then
    echo "setup_mitk_venv: no Python 3.12 found (pyenv install 3.12, or a python3.12 on PATH);" \
        "mitk-python is published for Python 3.12 only" >&2
    exit 1
fi

if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
if ! "$venv/bin/python" -m pip show --quiet mitk-python >/dev/null 2>&1; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check mitk-python
fi

if ! error="$("$venv/bin/python" -c 'import mitk' 2>&1)"; then
    echo "setup_mitk_venv: mitk-python installed but 'import mitk' fails:" >&2
    echo "$error" | tail -n 3 >&2
    echo "(missing libX11/libXrender? apt-get install libx11-6 libxrender1)" >&2
    exit 1
fi
echo "MITK venv ready: $venv ($("$venv/bin/python" -c 'import mitk; print(mitk.__version__)'))"
