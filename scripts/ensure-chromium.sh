#!/usr/bin/env bash
# Makes sure Debian's chromium is installed for the operator page's browser tests (Playwright
# drives it by its path: no browser can be downloaded here). Reuses an installed one; installs the
# package with apt-get when absent and we are root; otherwise says exactly what is missing.
set -euo pipefail

CHROMIUM="${BERTH_CHROMIUM:-/usr/bin/chromium}"

chromium_runs() { [ -x "$CHROMIUM" ] && "$CHROMIUM" --version >/dev/null 2>&1; }

if chromium_runs; then
  echo "ensure-chromium: $("$CHROMIUM" --version 2>/dev/null) at $CHROMIUM"
  exit 0
fi

if [ "$(id -u)" != "0" ]; then
  echo "ensure-chromium: no chromium runs at $CHROMIUM and we are not root; apt-get install chromium (or set BERTH_CHROMIUM) and retry" >&2
  exit 1
fi

echo "ensure-chromium: installing chromium with apt-get"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq chromium >/dev/null

if chromium_runs; then
  echo "ensure-chromium: $("$CHROMIUM" --version 2>/dev/null) at $CHROMIUM"
  exit 0
fi
echo "ensure-chromium: chromium was installed but $CHROMIUM --version fails" >&2
exit 1
