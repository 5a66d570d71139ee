#!/usr/bin/env bash
# Debian's Chromium for the browser tests (Playwright drives /usr/bin/chromium; no browser download).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then echo "chromium: already installed"; exit 0; fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "Installing chromium needs root: run 'apt-get install chromium' as root." >&2; exit 1; }
  SUDO=sudo
fi
command -v apt-get >/dev/null || { echo "apt-get not found: install Chromium so that /usr/bin/chromium exists." >&2; exit 1; }
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
echo "chromium: installed"
