#!/usr/bin/env bash
# Creates .venv and installs the project into it; reinstalls only when pyproject.toml changes.
# Usage: scripts/bootstrap.sh [EXTRA]
#   EXTRA: an optional-dependency group of pyproject.toml: dev (the test tools, scripts/test)
#   or bench (the benchmarks' plot, scripts/benchmark).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv="$root/.venv"
extra=${1:-}
python=${PYTHON:-python3}
case "$extra" in
  ""|dev|bench) ;;
  *) echo "scripts/bootstrap.sh: no extra '$extra'; choose dev or bench." >&2; exit 2 ;;
esac

if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "chatops needs Python 3.11 or newer; '$python' is $("$python" --version 2>&1)." >&2
  echo "Set PYTHON=/path/to/python3.11 and try again." >&2
  exit 1
fi

if [ ! -x "$venv/bin/python" ]; then
  echo "Creating $venv ..." >&2
  "$python" -m venv "$venv"
fi

target="$root"
[ -n "$extra" ] && target="$root[$extra]"
stamp="$venv/.chatops-installed${extra:+-$extra}"
want=$(sha256sum "$root/pyproject.toml" | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "Installing chatops${extra:+ with its $extra tools} into .venv (first run takes a minute) ..." >&2
  log="$venv/install.log"
  if ! { "$venv/bin/python" -m pip install --disable-pip-version-check --upgrade pip \
         && "$venv/bin/python" -m pip install --disable-pip-version-check -e "$target"; } >"$log" 2>&1; then
    grep -v "^WARNING: Location" "$log" | tail -30 >&2
    echo "Installation failed; the full log is $log." >&2
    exit 1
  fi
  echo "$want" > "$stamp"
fi
