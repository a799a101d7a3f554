#!/usr/bin/env bash
# Installs what is missing, builds Switchboard and starts it.
#   bash scripts/run.sh                      # the desktop window (or the inbox in the terminal
#                                            # when there is no display)
#   bash scripts/run.sh import ~/Mail/inbox  # any `switchboard` command
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh run
cargo build --release --locked -p switchboard-cli
bin=target/release/switchboard
if [ $# -gt 0 ]; then
  exec "$bin" "$@"
fi
"$bin" init >/dev/null
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  npm --prefix ui run build
  cargo build --release --locked -p switchboard-desktop --features custom-protocol
  exec target/release/switchboard-desktop
fi
echo "No display found: showing the inbox in the terminal."
"$bin" case list
echo
echo "Import mail with  bash scripts/run.sh import PATH...  (.eml, Maildir or mbox);"
echo "see every command with  bash scripts/run.sh --help"
