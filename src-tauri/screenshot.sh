#!/usr/bin/env bash
# Screenshot of the real desktop window under Xvfb, end to end:
# build (UI + app + CLI), seed a throwaway workspace through the CLI, launch the app on a
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

step "seed a workspace in $TMP/data"
DATA="$TMP/data"
MAIL="$TMP/mail"
mkdir -p "$MAIL"
now_rfc() { date -R -d "$1"; }
cat >"$MAIL/1.eml" <<EOF
From: Maria Lopez <maria@example.com>
To: support@shop.example
Subject: Where is my order #4411?
Date: $(now_rfc '-3 hours')
Message-ID: <order-4411@example.com>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

Hi, I ordered a desk lamp two weeks ago and it still has not arrived. Can you check?

Maria
--b1
Content-Type: text/html; charset=utf-8

<p>Hi,</p><p>I ordered a <b>desk lamp</b> two weeks ago and it still has not arrived. Can you check?</p><p>Maria</p>
--b1--
EOF
cat >"$MAIL/2.eml" <<EOF
From: Sam Okafor <sam@example.org>
To: support@shop.example
Subject: Charged twice for one subscription
Date: $(now_rfc '-5 hours')
Message-ID: <double-charge@example.org>
Content-Type: text/plain; charset=utf-8

My card shows two charges of \$12 this month for the same plan. Please refund one.
EOF
cat >"$MAIL/3.eml" <<EOF
From: Priya N <priya@example.net>
To: support@shop.example
Subject: Love the new colours!
Date: $(now_rfc '-1 day')
Message-ID: <colours@example.net>
Content-Type: text/plain; charset=utf-8

Just wanted to say the autumn range looks great. Keep it up!
EOF
cat >"$MAIL/4.eml" <<EOF
From: Jonas Berg <jonas@example.se>
To: support@shop.example
Subject: Package arrived damaged
Date: $(now_rfc '-2 days')
Message-ID: <damaged@example.se>
Content-Type: text/plain; charset=utf-8

The box was crushed and the vase inside is broken. Photos on request.
EOF
cat >"$MAIL/5.eml" <<EOF
From: Maria Lopez <maria@example.com>
To: support@shop.example
Subject: Re: Where is my order #4411?
Date: $(now_rfc '-1 hour')
Message-ID: <order-4411-2@example.com>
In-Reply-To: <order-4411@example.com>
References: <order-4411@example.com>
Content-Type: text/plain; charset=utf-8

Any news? The tracking page still says "label created".
EOF
sb() { "$CLI" --data-dir "$DATA" "$@" >/dev/null; }
sb init
sb import "$MAIL"
sb rootcause add Shipping
sb rootcause add "Late delivery" --parent Shipping
sb rootcause add "Damaged in transit" --parent Shipping
sb rootcause add Billing
sb rootcause add "Double charge" --parent Billing
# Tag and move cases by subject, so this does not depend on the ids the importer hands out.
case_id() { "$CLI" --data-dir "$DATA" case list --limit 0 --json | python3 -c '
import json, sys
data = json.load(sys.stdin)
cases = data["cases"] if isinstance(data, dict) else data
print(next(c["id"] for c in cases if sys.argv[1] in (c.get("subject") or "")))' "$1"; }
sb case tag "$(case_id 'order #4411')" "Shipping › Late delivery"
sb case tag "$(case_id 'Charged twice')" "Billing › Double charge"
sb case status "$(case_id 'Charged twice')" open
sb case tag "$(case_id 'damaged')" "Shipping › Damaged in transit"
sb case status "$(case_id 'damaged')" waiting
sb case status "$(case_id 'colours')" resolved

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
