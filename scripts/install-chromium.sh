#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (never a downloaded browser): install it if missing.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "Chromium is missing and this is not a Debian-like system: install 'chromium' yourself." >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "Installing Chromium needs root (apt-get)." >&2; exit 1; }
  sudo="sudo"
fi
echo "Installing Chromium (Debian package) for the browser tests ..." >&2
$sudo apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
  chromium fonts-dejavu-core >/dev/null
command -v chromium >/dev/null 2>&1 || { echo "Chromium install failed." >&2; exit 1; }
