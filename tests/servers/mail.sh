#!/usr/bin/env bash
# mail.sh — install, start, seed and stop REAL loopback mail servers for Switchboard's
# integration tests and benchmarks: Dovecot (IMAP, LMTP, submission) + an aiosmtpd sink.
#
#   mail.sh install                      apt packages + python venv (idempotent; fast no-op)
#   mail.sh up                           start everything (idempotent); prints `export SB_TEST_...`
#   mail.sh down                         stop everything started from $SERVERS_DIR; wait until gone
#   mail.sh status                       exit 0 only if every server is up
#   mail.sh add-user NAME PASS [mdbox]   add/update a user (Maildir unless "mdbox"); no reload needed
#   mail.sh seed NAME PASS COUNT [imap_seed.py options, e.g. --mailbox Archive --start N]
#   mail.sh env                          print the `export SB_TEST_...` lines
#
# State, configs, logs and pid files live in $SERVERS_DIR (default /tmp/switchboard-servers).
# Ports are fixed (127.0.0.1 only):
#   IMAP 14143 (plain + STARTTLS)  IMAPS 14993  LMTP 14024
#   submission 14587 (STARTTLS) / 14466 (implicit TLS)   SMTP sink 14025 (STARTTLS) / 14465 (TLS)
# Must run as root (apt; Dovecot switches to the dovecot/dovenull/nobody users).
# Logs go to stderr; `up` and `env` print only the export lines on stdout, so
#   eval "$(tests/servers/mail.sh up)"   works.
set -euo pipefail
umask 022   # Dovecot's unprivileged processes (nobody, dovecot) must read configs and traverse dirs

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
S="${SERVERS_DIR:-/tmp/switchboard-servers}"
case "$S" in /*) ;; *) S="$PWD/$S" ;; esac
S="${S%/}"
D="$S/dovecot"
SINK="$S/smtp-sink"
VENV="$S/venv"
CONF="$D/dovecot.conf"
USERS="$D/users"

IMAP_PORT=14143 IMAPS_PORT=14993 LMTP_PORT=14024 SUBMISSION_PORT=14587 SUBMISSIONS_PORT=14466
SINK_PORT=14025 SINK_TLS_PORT=14465
DOVECOT_PORTS=("$IMAP_PORT" "$IMAPS_PORT" "$LMTP_PORT" "$SUBMISSION_PORT" "$SUBMISSIONS_PORT")
SINK_PORTS=("$SINK_PORT" "$SINK_TLS_PORT")
APT_PACKAGES="dovecot-imapd dovecot-lmtpd dovecot-submissiond isync openssl python3-venv"
AIOSMTPD_VERSION=1.4.6
START_TIMEOUT=${MAIL_START_TIMEOUT:-20}   # seconds per server
STOP_TIMEOUT=${MAIL_STOP_TIMEOUT:-15}

log() { echo "[mail.sh $(date +%T)] $*" >&2; }
die() { echo "[mail.sh $(date +%T)] ERROR: $*" >&2; exit 1; }
ms() { date +%s%3N; }
need_root() { [ "$(id -u)" = 0 ] || die "'$1' must run as root (apt, and Dovecot switches users)"; }
sq() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }   # shell single-quote

# ------------------------------------------------------------------ processes and ports
# alive PID: true if the process exists and is not a zombie (PID 1 here may not reap).
alive() {
  local st
  [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null || return 1
  st=$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null || true)
  [ "$st" != Z ]
}
# running PIDFILE NEEDLE: print the pid if PIDFILE names a live process whose command line
# contains NEEDLE (guards against a stale pid file pointing at a recycled pid).
running() {
  local p
  [ -s "$1" ] || return 1
  p=$(head -n1 "$1" | tr -dc 0-9)
  alive "$p" || return 1
  tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -qF -- "$2" || return 1
  echo "$p"
}
dovecot_pid() { running "$D/run/master.pid" "$CONF"; }
# matched by our Maildir, not by the script path: the checkout may have moved since `up`
sink_pid() { running "$SINK/pid" "smtp_sink.py --maildir $SINK/Maildir "; }

listening() { # PORT: something listens on 127.0.0.1:PORT (no connection made)
  if command -v ss >/dev/null; then
    [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}
port_owner() { # PORT: the listening process(es) and the command line of the first one
  local u p
  u=$(ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'users:(.*)' | head -n1 || true)
  p=$(grep -o 'pid=[0-9]*' <<<"$u" | tail -n1 | cut -d= -f2 || true)
  if [ -n "$p" ] && [ -r "/proc/$p/cmdline" ]; then
    echo "$u: $(tr '\0' ' ' < "/proc/$p/cmdline")"
  else
    echo "${u:-an unknown process}"
  fi
}
answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }   # accepts a TCP connection

# wait_ports NAME PID LOGFILE PORT...: poll until every port accepts connections; fail early
# if PID dies, print the log tail on failure.
wait_ports() {
  local name=$1 pid=$2 logf=$3 p end
  shift 3
  end=$(( $(ms) + START_TIMEOUT * 1000 ))
  for p in "$@"; do
    until answers "$p"; do
      if ! alive "$pid"; then
        log "$name (pid $pid) died while starting; last lines of $logf:"
        tail -n 30 "$logf" >&2 2>/dev/null || true
        die "$name failed to start"
      fi
      if [ "$(ms)" -ge "$end" ]; then
        log "$name: port $p not answering after ${START_TIMEOUT}s; last lines of $logf:"
        tail -n 30 "$logf" >&2 2>/dev/null || true
        die "$name did not open port $p"
      fi
      sleep 0.02
    done
  done
}

# stop NAME PID PORT...: SIGTERM, wait until the process is gone and its ports are closed,
# SIGKILL after $STOP_TIMEOUT s.
stop() {
  local name=$1 pid=$2 end p t0
  shift 2
  t0=$(ms)
  kill -TERM "$pid" 2>/dev/null || true
  end=$(( $(ms) + STOP_TIMEOUT * 1000 ))
  while alive "$pid"; do
    if [ "$(ms)" -ge "$end" ]; then
      log "$name (pid $pid) ignored SIGTERM for ${STOP_TIMEOUT}s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      end=$(( $(ms) + 5000 ))
      while alive "$pid" && [ "$(ms)" -lt "$end" ]; do sleep 0.02; done
      alive "$pid" && { log "$name (pid $pid) survived SIGKILL"; return 1; }
      break
    fi
    sleep 0.02
  done
  end=$(( $(ms) + 5000 ))   # Dovecot's children may hold a listener a moment longer
  for p in "$@"; do
    while listening "$p"; do
      [ "$(ms)" -ge "$end" ] && { log "$name stopped but port $p still in use by $(port_owner "$p")"; return 1; }
      sleep 0.02
    done
  done
  log "$name (pid $pid) stopped in $(( $(ms) - t0 )) ms"
}

# Refuse to start when a port is held by something that is not ours (e.g. a clone of the
# repo whose servers use another SERVERS_DIR: ports are fixed).
check_ports_free() {
  local name=$1 p busy=""
  shift
  for p in "$@"; do listening "$p" && busy="$busy $p"; done
  [ -z "$busy" ] && return 0
  for p in $busy; do log "port $p is in use by $(port_owner "$p")"; done
  die "cannot start $name: port(s)$busy already in use. Servers from another SERVERS_DIR? \
Stop them with: SERVERS_DIR=<that dir> $0 down"
}

# ------------------------------------------------------------------ install
pkg_installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]; }

POLICY=/usr/sbin/policy-rc.d
POLICY_BACKUP=""
POLICY_CREATED=0
restore_policy() {
  if [ "$POLICY_CREATED" = 1 ]; then rm -f "$POLICY"; POLICY_CREATED=0; fi
  if [ -n "$POLICY_BACKUP" ]; then mv -f "$POLICY_BACKUP" "$POLICY"; POLICY_BACKUP=""; fi
}
# Make invoke-rc.d refuse to start services (exit 101), so apt does not start the system
# Dovecot on 143/993. Keep an existing policy that already denies; restore anything else.
deny_service_start() {
  local rc=0
  if [ -x "$POLICY" ]; then
    "$POLICY" dovecot start >/dev/null 2>&1 || rc=$?
    [ "$rc" = 101 ] && return 0
    POLICY_BACKUP="$POLICY.mail-sh-backup.$$"
    mv "$POLICY" "$POLICY_BACKUP"
  fi
  printf '#!/bin/sh\n# temporary, from tests/servers/mail.sh install\nexit 101\n' > "$POLICY"
  chmod 755 "$POLICY"
  POLICY_CREATED=1
}

do_install() {
  need_root install
  local t0 t missing="" p
  t0=$(ms); t=$t0
  mkdir -p "$S"
  for p in $APT_PACKAGES; do pkg_installed "$p" || missing="$missing $p"; done
  if [ -n "$missing" ]; then
    log "apt: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    deny_service_start
    trap restore_policy EXIT
    # Other apt/dpkg runs on the machine hold the dpkg lock: wait for it instead of failing.
    local lock=(-o "DPkg::Lock::Timeout=${MAIL_APT_LOCK_TIMEOUT:-600}")
    apt-get "${lock[@]}" update -qq || die "apt-get update failed"
    # shellcheck disable=SC2086
    apt-get "${lock[@]}" install -y -qq --no-install-recommends $missing >/dev/null \
      || die "apt-get install$missing failed"
    restore_policy
    trap - EXIT
    for p in $missing; do pkg_installed "$p" || die "package $p still not installed after apt-get"; done
    log "apt done in $(( $(ms) - t )) ms"
  else
    log "apt: all packages already installed ($APT_PACKAGES)"
  fi
  # A system Dovecot started by some other means would not clash (it uses 143/993), but say so.
  if command -v pgrep >/dev/null && pgrep -x dovecot >/dev/null && ! dovecot_pid >/dev/null; then
    log "note: a dovecot not started by mail.sh is running (pids: $(pgrep -x dovecot | tr '\n' ' '))"
  fi
  if ! getent passwd dovecot >/dev/null || ! getent passwd dovenull >/dev/null; then
    die "users dovecot/dovenull missing: is dovecot-core installed correctly?"
  fi

  t=$(ms)
  local py=/usr/bin/python3
  [ -x "$py" ] || py=$(command -v python3) || die "python3 not found"
  if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c \
      "import importlib.metadata as m, sys; sys.exit(m.version('aiosmtpd') != '$AIOSMTPD_VERSION')" 2>/dev/null; then
    log "venv: $VENV already has aiosmtpd $AIOSMTPD_VERSION"
  else
    [ -x "$VENV/bin/python" ] || "$py" -m venv "$VENV" || die "cannot create venv $VENV with $py -m venv"
    "$VENV/bin/pip" install -q --disable-pip-version-check "aiosmtpd==$AIOSMTPD_VERSION" \
      || die "pip install aiosmtpd==$AIOSMTPD_VERSION into $VENV failed"
    log "venv with aiosmtpd $AIOSMTPD_VERSION ready in $(( $(ms) - t )) ms"
  fi
  log "install done in $(( $(ms) - t0 )) ms"
}

# ------------------------------------------------------------------ TLS
# rustls/webpki rejects a bare self-signed server cert (it is CA:TRUE ->
# CaUsedAsEndEntity), so: a test CA, plus a CA:FALSE leaf for localhost/127.0.0.1/::1
# signed by it. Clients trust tls/ca.pem; servers use tls/cert.pem + tls/key.pem.
make_tls() {
  local T="$S/tls" tmp
  if [ -s "$T/ca.pem" ] && [ -s "$T/cert.pem" ] && [ -s "$T/key.pem" ] \
     && openssl verify -CAfile "$T/ca.pem" "$T/cert.pem" >/dev/null 2>&1 \
     && openssl x509 -checkend 86400 -noout -in "$T/cert.pem" >/dev/null 2>&1; then
    return 0
  fi
  local t
  t=$(ms)
  tmp=$(mktemp -d "$S/tls.tmp.XXXXXX")
  {
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=Switchboard Test CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -keyout "$tmp/ca.key" -out "$tmp/ca.pem" &&
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
      -keyout "$tmp/key.pem" -out "$tmp/server.csr" &&
    printf '%s\n' "basicConstraints=critical,CA:FALSE" \
      "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" \
      "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" > "$tmp/server.ext" &&
    openssl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" \
      -CAcreateserial -days 3650 -extfile "$tmp/server.ext" -out "$tmp/cert.pem" &&
    openssl verify -CAfile "$tmp/ca.pem" "$tmp/cert.pem"
  } > "$tmp/openssl.log" 2>&1 || { cat "$tmp/openssl.log" >&2; die "creating the test CA/leaf cert failed"; }
  chmod 600 "$tmp/ca.key" "$tmp/key.pem"
  rm -rf "$T"
  mv "$tmp" "$T"
  log "TLS test CA + leaf cert created in $(( $(ms) - t )) ms ($T/ca.pem)"
}

# ------------------------------------------------------------------ users
ensure_users() {
  mkdir -p "$D"
  [ -f "$USERS" ] || : > "$USERS"
  # only if absent: a test may have changed a password with add-user
  grep -q '^alice:' "$USERS" || add_user alice alicepass maildir quiet
  grep -q '^bob:' "$USERS" || add_user bob bobpass maildir quiet
  grep -q '^bulk:' "$USERS" || add_user bulk bulkpass mdbox quiet
}
add_user() { # NAME PASS [maildir|mdbox] [quiet]
  local name=$1 pass=$2 fmt=${3:-maildir} line tmp old now
  [[ "$name" =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] || die "add-user: bad user name '$name' (use A-Z a-z 0-9 . _ -)"
  [[ "$pass" =~ ^[^:[:space:]]+$ ]] || die "add-user: password must be non-empty, without ':' or whitespace"
  case "$fmt" in
    maildir) line="$name:{PLAIN}$pass::::::" ;;
    mdbox)   line="$name:{PLAIN}$pass::::::userdb_mail=mdbox:~/mdbox" ;;
    *) die "add-user: mail format must be 'mdbox' or omitted (Maildir), not '$fmt'" ;;
  esac
  mkdir -p "$D"
  [ -f "$USERS" ] || : > "$USERS"
  local rc=0
  (
    flock 9   # tests may add users in parallel
    if grep -qxF -- "$line" "$USERS"; then
      [ "${4:-}" = quiet ] || log "user $name already present"
      exit 10
    elif grep -q "^$name:" "$USERS"; then
      tmp=$(mktemp "$USERS.XXXXXX")
      { grep -v "^$name:" "$USERS" || true; echo "$line"; } > "$tmp"
      chmod 644 "$tmp"
      # Dovecot re-reads the file only if its mtime (whole seconds) or size changed: a
      # same-length password changed within the same second would go unnoticed, so
      # make the mtime move forward by at least one second.
      old=$(stat -c %Y "$USERS"); now=$(date +%s)
      [ "$now" -gt "$old" ] || touch -d "@$((old + 1))" "$tmp"
      mv -f "$tmp" "$USERS"
      log "user $name updated ($fmt)"
    else
      echo "$line" >> "$USERS"
      [ "${4:-}" = quiet ] || log "user $name added ($fmt)"
    fi
  ) 9>"$USERS.lock" || rc=$?
  [ "$rc" = 10 ] && return 0
  [ "$rc" = 0 ] || exit "$rc"
  # Dovecot stats the users file at most once per second (passwd_file_sync), so a change
  # is guaranteed visible only from the next full second on: wait for it, then confirm.
  if [ "${4:-}" != quiet ] && dovecot_pid >/dev/null; then
    local ns
    ns=$(date +%N); ns=${ns#"${ns%%[1-9]*}"}   # strip leading zeros (octal)
    sleep "$(awk -v n="${ns:-0}" 'BEGIN { printf "%.3f", (1e9 - n) / 1e9 + 0.02 }')"
    doveadm -c "$CONF" auth test "$name" "$pass" >/dev/null 2>&1 \
      || die "add-user: Dovecot does not accept $name's new password (see $D/dovecot.log)"
  fi
}

# ------------------------------------------------------------------ up / down
write_conf() {
  [ -f "$HERE/dovecot.conf.in" ] || die "template $HERE/dovecot.conf.in missing"
  sed "s#@S@#$S#g" "$HERE/dovecot.conf.in" > "$CONF.tmp"
  mv -f "$CONF.tmp" "$CONF"
}

up_dovecot() {
  local pid t
  if pid=$(dovecot_pid); then
    log "dovecot already running (pid $pid)"
    wait_ports dovecot "$pid" "$D/dovecot.log" "${DOVECOT_PORTS[@]}"
    return 0
  fi
  t=$(ms)
  command -v dovecot >/dev/null || die "dovecot is not installed: run '$0 install' first"
  check_ports_free dovecot "${DOVECOT_PORTS[@]}"
  mkdir -p "$D/state" "$D/mail"
  chown nobody:nogroup "$D/mail"
  runuser -u nobody -- test -w "$D/mail" || die "user nobody cannot write $D/mail: \
every parent of SERVERS_DIR must be traversable by others (o+x), e.g. not under /root"
  write_conf
  # Dovecot is not running: clear its runtime dir. Stale sockets hurt, e.g. a leftover
  # anvil-auth-penalty socket (not recreated with mode 0) makes the auth process retry
  # connecting to it for 5 s before the first login.
  rm -rf "$D/run"
  mkdir -p "$D/run"
  # The master keeps the stdio it was started with: never let it inherit our stdout
  # (a caller doing "$(mail.sh up)" would wait for EOF forever).
  if ! dovecot -c "$CONF" < /dev/null > "$D/startup.log" 2>&1; then
    log "dovecot -c $CONF failed:"
    cat "$D/startup.log" >&2
    [ -f "$D/dovecot.log" ] && { log "last lines of $D/dovecot.log:"; tail -n 20 "$D/dovecot.log" >&2; }
    die "dovecot did not start"
  fi
  local end=$(( $(ms) + START_TIMEOUT * 1000 ))
  until pid=$(dovecot_pid); do
    if [ "$(ms)" -ge "$end" ]; then
      cat "$D/startup.log" >&2; tail -n 30 "$D/dovecot.log" >&2 2>/dev/null || true
      die "dovecot started but $D/run/master.pid never named a running master"
    fi
    sleep 0.02
  done
  wait_ports dovecot "$pid" "$D/dovecot.log" "${DOVECOT_PORTS[@]}"
  log "dovecot up in $(( $(ms) - t )) ms (pid $pid; log $D/dovecot.log)"
}

up_sink() {
  local pid t
  if pid=$(sink_pid); then
    log "smtp sink already running (pid $pid)"
    wait_ports "smtp sink" "$pid" "$SINK/sink.log" "${SINK_PORTS[@]}"
    return 0
  fi
  t=$(ms)
  [ -x "$VENV/bin/python" ] || die "python venv $VENV missing: run '$0 install' first"
  "$VENV/bin/python" -c 'import aiosmtpd' 2>/dev/null || die "aiosmtpd missing in $VENV: run '$0 install'"
  check_ports_free "smtp sink" "${SINK_PORTS[@]}"
  mkdir -p "$SINK/Maildir/tmp" "$SINK/Maildir/new" "$SINK/Maildir/cur"
  # nohup execs python, so $! is the sink's own pid
  nohup "$VENV/bin/python" "$HERE/smtp_sink.py" --maildir "$SINK/Maildir" \
    --port "$SINK_PORT" --tls-port "$SINK_TLS_PORT" \
    --cert "$S/tls/cert.pem" --key "$S/tls/key.pem" --passwd-file "$USERS" \
    --lmtp "127.0.0.1:$LMTP_PORT" --lmtp-domain localhost \
    < /dev/null >> "$SINK/sink.log" 2>&1 &
  pid=$!
  echo "$pid" > "$SINK/pid"
  wait_ports "smtp sink" "$pid" "$SINK/sink.log" "${SINK_PORTS[@]}"
  log "smtp sink up in $(( $(ms) - t )) ms (pid $pid; log $SINK/sink.log)"
}

do_up() {
  need_root up
  local t0
  t0=$(ms)
  mkdir -p "$S"
  make_tls
  ensure_users
  up_dovecot
  up_sink
  log "mail servers ready in $(( $(ms) - t0 )) ms (SERVERS_DIR=$S)"
  do_env
}

do_down() {
  local pid any=0 t0 rc=0 jobs_=""
  t0=$(ms)
  # stop both in parallel (Dovecot's master takes a moment to collect its children)
  if pid=$(sink_pid); then any=1; stop "smtp sink" "$pid" "${SINK_PORTS[@]}" & jobs_="$jobs_ $!"; fi
  if pid=$(dovecot_pid); then any=1; stop dovecot "$pid" "${DOVECOT_PORTS[@]}" & jobs_="$jobs_ $!"; fi
  for pid in $jobs_; do wait "$pid" || rc=1; done
  if [ "$any" = 0 ]; then
    log "nothing running from $S"
    return 0
  fi
  [ "$rc" = 0 ] || die "some servers did not stop (see above)"
  rm -f "$SINK/pid"
  log "all stopped in $(( $(ms) - t0 )) ms"
}

do_status() {
  local pid ok=0 p state
  if pid=$(dovecot_pid); then echo "dovecot    UP   pid $pid  ($CONF)"; else echo "dovecot    DOWN"; ok=1; fi
  if pid=$(sink_pid); then echo "smtp-sink  UP   pid $pid  (maildir $SINK/Maildir)"; else echo "smtp-sink  DOWN"; ok=1; fi
  for p in "${DOVECOT_PORTS[@]}" "${SINK_PORTS[@]}"; do
    if listening "$p"; then state="listening $(port_owner "$p")"; else state="closed"; fi
    echo "  127.0.0.1:$p $state"
  done
  return $ok
}

do_env() {
  cat <<EOF
export SB_TEST_SERVERS_DIR=$(sq "$S")
export SB_TEST_IMAP_HOST=127.0.0.1
export SB_TEST_IMAP_PORT=$IMAP_PORT
export SB_TEST_IMAPS_PORT=$IMAPS_PORT
export SB_TEST_LMTP_PORT=$LMTP_PORT
export SB_TEST_SUBMISSION_PORT=$SUBMISSION_PORT
export SB_TEST_SUBMISSIONS_PORT=$SUBMISSIONS_PORT
export SB_TEST_SMTP_SINK_PORT=$SINK_PORT
export SB_TEST_SMTP_SINK_TLS_PORT=$SINK_TLS_PORT
export SB_TEST_CA_FILE=$(sq "$S/tls/ca.pem")
export SB_TEST_DOVEADM=$(sq "doveadm -c $CONF")
export SB_TEST_SINK_MAILDIR=$(sq "$SINK/Maildir")
EOF
}

do_seed() {
  [ $# -ge 3 ] || die "usage: $0 seed NAME PASS COUNT [imap_seed.py options]"
  [[ "$3" =~ ^[0-9]+$ ]] || die "seed: COUNT must be a number, not '$3'"
  dovecot_pid >/dev/null || die "dovecot is not running from $S: run '$0 up' first"
  local py="$VENV/bin/python"
  [ -x "$py" ] || py=python3
  local name=$1 pass=$2 count=$3
  shift 3
  "$py" "$HERE/imap_seed.py" --port "$IMAP_PORT" --user "$name" --password "$pass" --count "$count" "$@"
}

usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
  install) do_install ;;
  up) do_up ;;
  down) need_root down; do_down ;;
  status) do_status ;;
  env) do_env ;;
  add-user)
    [ $# -ge 2 ] && [ $# -le 3 ] || die "usage: $0 add-user NAME PASS [mdbox]"
    need_root add-user
    add_user "$1" "$2" "${3:-maildir}" ;;
  seed) do_seed "$@" ;;
  -h|--help|help) usage ;;
  *) [ -n "$cmd" ] && log "unknown command '$cmd'"; usage ;;
esac
