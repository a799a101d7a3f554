#!/usr/bin/env bash
# Screenshot of the real desktop window under Xvfb, end to end:
# build (UI + app + CLI), seed a throwaway sample-data workspace (`switchboard demo`), launch the app on a
# private X display, wait for the window and for the webview to draw, capture, clean up.
#
#   src-tauri/screenshot.sh [OUT.png]        default: docs/screenshot.png
#
# Environment: SKIP_BUILD=1 uses the binaries already in target/debug; TIMEOUT=seconds to wait
# for the window (default 90); KEEP_TMP=1 keeps the temp folder (data dir, logs).
# Needs: xvfb xauth imagemagick xdotool (apt), plus the Tauri build deps.
# Exits non-zero when any step fails or the window never appears.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT="${1:-docs/screenshot.png}"
TIMEOUT="${TIMEOUT:-90}"
APP="$ROOT/target/debug/switchboard-desktop"
CLI="$ROOT/target/debug/switchboard"
# /usr/local/bin may hold a stand-in `convert`; use ImageMagick's own tools.
IMPORT=/usr/bin/import
IDENTIFY=/usr/bin/identify

die() { echo "screenshot.sh: $*" >&2; exit 1; }
step() { echo "==> $*" >&2; }

for tool in Xvfb xdotool "$IMPORT" "$IDENTIFY"; do
  command -v "$tool" >/dev/null || die "missing $tool (apt-get install xvfb xauth imagemagick xdotool)"
done

if [ -z "${SKIP_BUILD:-}" ]; then
  step "build UI"
  [ -d ui/node_modules ] || npm --prefix ui ci --no-audit --no-fund
  npm --prefix ui run build
  step "build app and CLI"
  cargo build -p switchboard-desktop --features custom-protocol
  cargo build -p switchboard-cli
fi
[ -x "$APP" ] || die "no $APP (build it, or drop SKIP_BUILD)"
[ -x "$CLI" ] || die "no $CLI (build it, or drop SKIP_BUILD)"

TMP="$(mktemp -d)"
XVFB_PID=""
APP_PID=""
cleanup() {
  # The app runs in its own process group (setsid), so its WebKit helpers go with it.
  if [ -n "$APP_PID" ]; then kill -TERM -- "-$APP_PID" 2>/dev/null || true; fi
  if [ -n "$XVFB_PID" ]; then kill -TERM "$XVFB_PID" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  if [ -n "${KEEP_TMP:-}" ]; then echo "kept $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

step "seed the sample-data workspace in $TMP/data"
# The same generated demo the first-run screen offers: email, Bluesky and Mastodon cases.
DATA="$TMP/data"
"$CLI" --data-dir "$DATA" demo --into "$DATA" >/dev/null

step "start Xvfb"
exec 3>"$TMP/display"
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp >"$TMP/xvfb.log" 2>&1 &
XVFB_PID=$!
exec 3>&-
for _ in $(seq 1 50); do [ -s "$TMP/display" ] && break; sleep 0.1; done
[ -s "$TMP/display" ] || die "Xvfb did not start: $(cat "$TMP/xvfb.log")"
export DISPLAY=":$(head -1 "$TMP/display")"

step "launch the app on $DISPLAY"
mkdir -p "$TMP/home" "$TMP/runtime"
chmod 700 "$TMP/runtime"
# A throwaway HOME keeps WebKit's caches out of the user's; NO_AT_BRIDGE and a disabled session
# bus stop GLib from starting accessibility and D-Bus daemons that would outlive the app.
HOME="$TMP/home" XDG_RUNTIME_DIR="$TMP/runtime" NO_AT_BRIDGE=1 \
  DBUS_SESSION_BUS_ADDRESS="disabled:" SWITCHBOARD_DATA_DIR="$DATA" \
  setsid "$APP" >"$TMP/app.log" 2>&1 &
APP_PID=$!

step "wait for the window (up to ${TIMEOUT}s)"
WID=""
deadline=$((SECONDS + TIMEOUT))
while [ $SECONDS -lt $deadline ]; do
  kill -0 "$APP_PID" 2>/dev/null || die "the app exited early: $(tail -20 "$TMP/app.log")"
  WID="$(xdotool search --onlyvisible --name '^Switchboard$' 2>/dev/null | head -1 || true)"
  [ -n "$WID" ] && break
  sleep 0.5
done
[ -n "$WID" ] || die "no window titled Switchboard after ${TIMEOUT}s: $(tail -20 "$TMP/app.log")"

# The window maps before the webview has drawn; wait until the capture has real content
# (an empty white frame has one or two colours; the inbox has dozens), then one more beat for
# late layout.
step "wait for the webview to draw"
drawn=""
while [ $SECONDS -lt $deadline ]; do
  "$IMPORT" -window "$WID" "$TMP/probe.png" 2>/dev/null || true
  colours="$("$IDENTIFY" -format '%k' "$TMP/probe.png" 2>/dev/null || echo 0)"
  if [ "${colours:-0}" -gt 40 ]; then drawn=1; break; fi
  sleep 0.5
done
[ -n "$drawn" ] || die "the window stayed blank for ${TIMEOUT}s: $(tail -20 "$TMP/app.log")"
sleep 1

# Open the selected (newest) case the way a user would: click the case pane to focus the
# window, then press Enter. Skip with INBOX_ONLY=1.
if [ -z "${INBOX_ONLY:-}" ]; then
  step "open the first case with Enter"
  xdotool mousemove --window "$WID" 800 400 click 1
  sleep 0.3
  xdotool key --clearmodifiers Return
  sleep 2
fi

mkdir -p "$(dirname "$OUT")"
"$IMPORT" -window "$WID" "$OUT"
step "saved $OUT ($("$IDENTIFY" -format '%wx%h' "$OUT"))"
