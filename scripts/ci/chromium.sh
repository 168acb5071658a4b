#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests (tests/e2e) when it is missing.
# Playwright's own browser download is never used: only Debian's package at /usr/bin/chromium.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  echo "=== chromium: $(/usr/bin/chromium --version 2>/dev/null || echo present)"
  exit 0
fi

echo "=== installing chromium from Debian's packages"
as_root=()
[ "$(id -u)" = 0 ] || as_root=(sudo)
"${as_root[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq chromium >/dev/null
echo "=== chromium: $(/usr/bin/chromium --version 2>/dev/null || echo installed)"
