#!/usr/bin/env bash
# smoke.sh — check the servers started by `mail.sh up` (same SERVERS_DIR). Exit 1 on any failure.
#   IMAP LOGIN 14143, STARTTLS and IMAPS verified against the test CA, IDLE sees an LMTP
#   delivery, submission 14587 STARTTLS+AUTH lands in bob's INBOX, wrong passwords are
#   rejected, plus: submissions 14466, the sink ports, doveadm, add-user without reload.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
t0=$(date +%s%3N)
fail() { echo "FAIL $*" >&2; exit 1; }

bash "$HERE/mail.sh" status >/dev/null || { bash "$HERE/mail.sh" status >&2 || true; fail "servers are not all up: run 'tests/servers/mail.sh up' first"; }
eval "$(bash "$HERE/mail.sh" env)"

# The leaf must be CA-signed and CA:FALSE: rustls/webpki rejects a self-signed server
# cert (CaUsedAsEndEntity). Python/OpenSSL would accept either, so check it here.
cert="$SB_TEST_SERVERS_DIR/tls/cert.pem"
openssl verify -CAfile "$SB_TEST_CA_FILE" "$cert" >/dev/null || fail "TLS: $cert does not verify against $SB_TEST_CA_FILE"
ext=$(openssl x509 -in "$cert" -noout -ext basicConstraints,subjectAltName)
grep -q 'CA:FALSE' <<<"$ext" || fail "TLS: leaf cert is not CA:FALSE: $ext"
for san in DNS:localhost 'IP Address:127.0.0.1' 'IP Address:0:0:0:0:0:0:0:1'; do
  grep -qF "$san" <<<"$ext" || fail "TLS: leaf cert lacks SAN $san: $ext"
done
echo "PASS TLS leaf: CA-signed, CA:FALSE, SAN localhost/127.0.0.1/::1"

py="$SB_TEST_SERVERS_DIR/venv/bin/python"
[ -x "$py" ] || py=python3
rc=0
"$py" "$HERE/smoke.py" || rc=$?
echo "smoke.sh finished in $(( $(date +%s%3N) - t0 )) ms (exit $rc)"
exit "$rc"
