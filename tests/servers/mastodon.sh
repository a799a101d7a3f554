#!/usr/bin/env bash
# mastodon.sh — install, start and stop mastodon_mock (PyPI 0.6.1), a stateful in-memory mock of
# the Mastodon REST API, on 127.0.0.1:14300 for the Mastodon integration tests.
#
#   mastodon.sh install   venv + pip install (cached; a fast no-op when present)
#   mastodon.sh up        start (idempotent); prints `export SB_TEST_MASTODON_URL=…` on stdout
#   mastodon.sh down      stop what `up` started (by its pid file) and wait until the port is free
#   mastodon.sh status    exit 0 only if the mock answers
#
# No real Mastodon-compatible server installs here (see the servers recipe README); the mock is
# the closest stateful stand-in. Seeded users: alice/alice_token, bob/bob_token (bob follows alice).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${SWITCHBOARD_CACHE:-$HOME/.cache/switchboard}"
VENV="$CACHE/mastodon-venv"
S="${SERVERS_DIR:-/tmp/switchboard-servers}/mastodon"
PORT=14300
VERSION=0.6.1
URL="http://127.0.0.1:$PORT"

log() { echo "[mastodon.sh $(date +%T)] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

answers() { curl -fsS -o /dev/null --max-time 2 "$URL/api/v1/instance" 2>/dev/null; }
alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
pid() {
  local p
  [ -s "$S/pid" ] || return 1
  p=$(tr -dc 0-9 < "$S/pid")
  alive "$p" || return 1
  tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -q mastodon_mock || return 1
  echo "$p"
}

install() {
  # (pip's output is captured first: `pip show | grep -q` fails under pipefail when grep
  # stops reading early.)
  local shown=""
  [ -x "$VENV/bin/mastodon_mock" ] && shown=$("$VENV/bin/pip" show mastodon-mock 2>/dev/null || true)
  if grep -qx "Version: $VERSION" <<<"$shown"; then
    return 0
  fi
  command -v python3 >/dev/null || die "python3 is needed"
  python3 -m venv --help >/dev/null 2>&1 || die "python3-venv is needed (apt-get install python3-venv)"
  log "creating $VENV with mastodon-mock==$VERSION"
  mkdir -p "$CACHE"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "mastodon-mock==$VERSION"
}

up() {
  install
  mkdir -p "$S"
  if ! pid >/dev/null; then
    if answers; then die "something else already answers on $URL"; fi
    cp "$HERE/mastodon/mastodon_mock.toml" "$S/mastodon_mock.toml"
    ( cd "$S" && exec "$VENV/bin/mastodon_mock" serve --config mastodon_mock.toml ) > "$S/mock.log" 2>&1 < /dev/null &
    echo $! > "$S/pid"
    local end=$((SECONDS + 30))
    until answers; do
      alive "$(cat "$S/pid")" || { tail -n 30 "$S/mock.log" >&2; die "mastodon_mock died while starting"; }
      [ $SECONDS -lt $end ] || { tail -n 30 "$S/mock.log" >&2; die "mastodon_mock did not answer within 30 s"; }
      sleep 0.1
    done
    log "mastodon_mock up on $URL (pid $(cat "$S/pid"))"
  fi
  echo "export SB_TEST_MASTODON_URL=$URL"
}

down() {
  local p
  p=$(pid) || { log "mastodon_mock is not running (nothing started by us)"; return 0; }
  kill -TERM "$p" 2>/dev/null || true
  local end=$((SECONDS + 15))
  while alive "$p"; do
    [ $SECONDS -lt $end ] || { kill -KILL "$p" 2>/dev/null || true; break; }
    sleep 0.1
  done
  rm -f "$S/pid"
  log "mastodon_mock stopped"
}

case "${1:-}" in
  install) install ;;
  up) up ;;
  down) down ;;
  status) pid >/dev/null && answers ;;
  *) echo "usage: $0 install|up|down|status" >&2; exit 2 ;;
esac
