#!/usr/bin/env bash
# WebDriver test of the real desktop window: builds the app with the UI embedded and
# the CLI, then runs ui/e2e/desktop.wd.mjs under Xvfb and a private D-Bus session, with a
# throwaway HOME. Needs webkit2gtk-driver, xvfb and tauri-driver (scripts/install-deps.sh test).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
cache=${SWITCHBOARD_CACHE:-$HOME/.cache/switchboard}
export PATH="$cache/cargo-bin/bin:$PATH"
command -v tauri-driver >/dev/null || { echo "desktop-e2e: tauri-driver missing (bash scripts/install-deps.sh test)" >&2; exit 1; }
command -v WebKitWebDriver >/dev/null || { echo "desktop-e2e: WebKitWebDriver missing (apt webkit2gtk-driver)" >&2; exit 1; }
[ -f ui/dist/index.html ] || npm --prefix ui run build
cargo build -p switchboard-cli --locked
cargo build -p switchboard-desktop --features custom-protocol --locked
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/home" "$tmp/runtime"; chmod 700 "$tmp/runtime"
HOME="$tmp/home" XDG_RUNTIME_DIR="$tmp/runtime" NO_AT_BRIDGE=1 \
  SWITCHBOARD_BIN="$root/target/debug/switchboard" \
  SWITCHBOARD_DESKTOP="$root/target/debug/switchboard-desktop" \
  timeout 300 xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- \
  node --test --test-concurrency=1 ui/e2e/desktop.wd.mjs
