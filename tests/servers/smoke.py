#!/usr/bin/env python3
"""Smoke test of the servers started by `mail.sh up` (stdlib only). Run through smoke.sh.

Every check runs even if an earlier one failed; the exit status is 1 if any failed.
Reads SB_TEST_* from the environment (smoke.sh evals `mail.sh env`).
"""
import imaplib, mailbox, os, re, secrets, shlex, smtplib, socket, ssl, subprocess, sys, time
import email.utils

E = os.environ
HOST = E.get("SB_TEST_IMAP_HOST", "127.0.0.1")
IMAP, IMAPS = int(E["SB_TEST_IMAP_PORT"]), int(E["SB_TEST_IMAPS_PORT"])
LMTP = int(E["SB_TEST_LMTP_PORT"])
SUB, SUBS = int(E["SB_TEST_SUBMISSION_PORT"]), int(E["SB_TEST_SUBMISSIONS_PORT"])
SINK, SINK_TLS = int(E["SB_TEST_SMTP_SINK_PORT"]), int(E.get("SB_TEST_SMTP_SINK_TLS_PORT", "14465"))
CA = E["SB_TEST_CA_FILE"]
DOVEADM = shlex.split(E["SB_TEST_DOVEADM"])
SINK_MD = E["SB_TEST_SINK_MAILDIR"]
MAIL_SH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mail.sh")
TIMEOUT = 10
RUN = secrets.token_hex(4)  # makes this run's Message-IDs unique

ctx = ssl.create_default_context(cafile=CA)  # verifies chain + hostname/IP SAN
failures = []


def check(name):
    def deco(fn):
        t = time.time()
        try:
            info = fn()
            print(f"PASS {name} ({(time.time() - t) * 1000:.0f} ms){': ' + info if info else ''}", flush=True)
        except Exception as e:  # report and continue with the next check
            failures.append(name)
            print(f"FAIL {name} ({(time.time() - t) * 1000:.0f} ms): {type(e).__name__}: {e}", flush=True)
        return fn
    return deco


def msg(tag, to="Bob <bob@localhost>"):
    mid = f"<smoke-{tag}-{RUN}@switchboard.test>"
    return mid, (f"From: Alice <alice@localhost>\r\nTo: {to}\r\nSubject: smoke {tag}\r\n"
                 f"Date: {email.utils.formatdate()}\r\nMessage-ID: {mid}\r\n\r\nsmoke body {tag}\r\n")


def wait_in_inbox(user, pw, mid):
    """Poll USER's INBOX until a message with Message-ID MID is there; return its UID."""
    m = imaplib.IMAP4(HOST, IMAP, timeout=TIMEOUT)
    try:
        m.login(user, pw)
        end = time.time() + TIMEOUT
        while True:
            m.select("INBOX", readonly=True)
            typ, d = m.uid("SEARCH", "HEADER", "Message-ID", mid)
            if typ == "OK" and d[0].split():
                return int(d[0].split()[-1])
            if time.time() > end:
                raise AssertionError(f"{mid} not in {user}'s INBOX after {TIMEOUT}s")
            time.sleep(0.05)
    finally:
        m.logout()


def sink_has(mid):
    end = time.time() + TIMEOUT
    while True:
        for _, m in mailbox.Maildir(SINK_MD, create=False).items():
            if m["Message-ID"] == mid:
                return m
        if time.time() > end:
            raise AssertionError(f"{mid} not in the sink Maildir {SINK_MD}")
        time.sleep(0.05)


@check("IMAP LOGIN on plain port")
def _():
    m = imaplib.IMAP4(HOST, IMAP, timeout=TIMEOUT)
    assert "STARTTLS" in m.capabilities, m.capabilities
    m.login("alice", "alicepass")
    caps = m.capability()[1][0].decode().split()
    missing = [c for c in ("IDLE", "CONDSTORE", "QRESYNC", "UIDPLUS", "MOVE", "ENABLE",
                           "SPECIAL-USE", "MULTIAPPEND", "LITERAL+") if c not in caps]
    assert not missing, f"missing capabilities {missing}"
    typ, d = m.select("INBOX")
    assert typ == "OK", d
    m.logout()
    return f"INBOX has {d[0].decode()} messages"


@check("IMAP STARTTLS (CA-verified, host 127.0.0.1 and localhost)")
def _():
    for host in ("127.0.0.1", "localhost"):
        m = imaplib.IMAP4(host, IMAP, timeout=TIMEOUT)
        m.starttls(ssl_context=ctx)
        m.login("alice", "alicepass")
        v = m.sock.version()
        m.logout()
    return v


@check("IMAPS (implicit TLS, CA-verified)")
def _():
    m = imaplib.IMAP4_SSL(HOST, IMAPS, ssl_context=ctx, timeout=TIMEOUT)
    m.login("bob", "bobpass")
    typ, d = m.select("INBOX")
    assert typ == "OK", d
    v = m.sock.version()
    m.logout()
    return v


@check("IMAP wrong password rejected")
def _():
    m = imaplib.IMAP4(HOST, IMAP, timeout=TIMEOUT)
    try:
        m.login("alice", "wrong-password")
    except imaplib.IMAP4.error as e:
        assert "AUTHENTICATIONFAILED" in str(e) or "Authentication failed" in str(e), e
        return str(e)
    finally:
        try:
            m.logout()
        except Exception:
            pass
    raise AssertionError("LOGIN with a wrong password succeeded")


@check("IDLE sees a message delivered via LMTP")
def _():
    s = socket.create_connection((HOST, IMAP), timeout=TIMEOUT)
    f = s.makefile("rb")

    def cmd(tag, line):
        s.sendall(f"{tag} {line}\r\n".encode())
        while True:
            r = f.readline()
            if not r:
                raise AssertionError(f"connection closed after {line!r}")
            if r.startswith(tag.encode() + b" "):
                assert r.split()[1] == b"OK", r
                return
    try:
        f.readline()  # greeting
        cmd("a1", "LOGIN alice alicepass")
        cmd("a2", "SELECT INBOX")
        s.sendall(b"a3 IDLE\r\n")
        r = f.readline()
        assert r.startswith(b"+"), r
        mid, body = msg("idle", to="alice@localhost")
        t = time.time()
        with smtplib.LMTP(HOST, LMTP) as l:
            l.sendmail("smoke@example.com", ["alice@localhost"], body)
        while True:
            r = f.readline()
            if re.match(rb"\* \d+ EXISTS", r):
                dt = time.time() - t
                break
            if not r:
                raise AssertionError("connection closed during IDLE")
        s.sendall(b"DONE\r\n")
        while not f.readline().startswith(b"a3 "):
            pass
        s.sendall(b"a4 LOGOUT\r\n")
        return f"{r.decode().strip()} {dt * 1000:.0f} ms after LMTP delivery"
    except socket.timeout:
        raise AssertionError(f"no * N EXISTS within {TIMEOUT}s")
    finally:
        s.close()


@check("submission 14587 STARTTLS+AUTH -> bob's INBOX (via sink + LMTP)")
def _():
    mid, body = msg("submission")
    t = time.time()
    with smtplib.SMTP(HOST, SUB, timeout=TIMEOUT) as s:
        s.starttls(context=ctx)
        s.login("alice", "alicepass")
        s.sendmail("alice@localhost", ["bob@localhost"], body)
    uid = wait_in_inbox("bob", "bobpass", mid)
    dt = time.time() - t
    m = sink_has(mid)
    assert "bob@localhost" in m["X-Sink-Rcpt-To"], m["X-Sink-Rcpt-To"]
    return f"UID {uid} in bob's INBOX {dt * 1000:.0f} ms after send; sink X-Sink-Mail-Auth={m['X-Sink-Mail-Auth']!r}"


@check("submissions 14466 implicit TLS; external recipient only in sink")
def _():
    mid, body = msg("submissions", to="Carol <carol@example.com>, Bob <bob@localhost>")
    with smtplib.SMTP_SSL(HOST, SUBS, context=ctx, timeout=TIMEOUT) as s:
        s.login("alice", "alicepass")
        refused = s.sendmail("alice@localhost", ["carol@example.com", "bob@localhost"], body)
        assert not refused, refused
    wait_in_inbox("bob", "bobpass", mid)
    m = sink_has(mid)
    assert "carol@example.com" in m["X-Sink-Rcpt-To"], m["X-Sink-Rcpt-To"]


@check("submission wrong password rejected")
def _():
    with smtplib.SMTP(HOST, SUB, timeout=TIMEOUT) as s:
        s.starttls(context=ctx)
        try:
            s.login("alice", "wrong-password")
        except smtplib.SMTPAuthenticationError as e:
            return f"{e.smtp_code} {e.smtp_error.decode()}"
    raise AssertionError("AUTH with a wrong password succeeded")


@check("SMTP sink direct: 14025 STARTTLS+AUTH, 14465 TLS, bad AUTH -> 535")
def _():
    mid1, b1 = msg("sink-starttls")
    with smtplib.SMTP(HOST, SINK, timeout=TIMEOUT) as s:
        s.starttls(context=ctx)
        s.login("alice", "alicepass")
        s.sendmail("alice@localhost", ["customer@example.com"], b1)
    mid2, b2 = msg("sink-tls")
    with smtplib.SMTP_SSL(HOST, SINK_TLS, context=ctx, timeout=TIMEOUT) as s:
        s.sendmail("alice@localhost", ["customer@example.com"], b2)
    assert sink_has(mid1)["X-Sink-Auth-User"] == "alice"
    sink_has(mid2)
    with smtplib.SMTP(HOST, SINK, timeout=TIMEOUT) as s:
        try:
            s.login("alice", "nope")
        except smtplib.SMTPAuthenticationError as e:
            assert e.smtp_code == 535, e
            return
    raise AssertionError("sink accepted a wrong password")


@check("doveadm (SB_TEST_DOVEADM) flags a message out of band")
def _():
    mid, body = msg("doveadm", to="alice@localhost")
    with smtplib.LMTP(HOST, LMTP) as l:
        l.sendmail("smoke@example.com", ["alice@localhost"], body)
    uid = wait_in_inbox("alice", "alicepass", mid)
    subprocess.run(DOVEADM + ["flags", "add", "-u", "alice", "\\Flagged", "mailbox", "INBOX",
                              "uid", str(uid)], check=True, capture_output=True, timeout=TIMEOUT)
    m = imaplib.IMAP4(HOST, IMAP, timeout=TIMEOUT)
    m.login("alice", "alicepass")
    m.select("INBOX", readonly=True)
    typ, d = m.uid("FETCH", str(uid), "(FLAGS)")
    m.logout()
    assert b"\\Flagged" in d[0], d
    out = subprocess.run(DOVEADM + ["mailbox", "status", "-u", "alice", "messages highestmodseq",
                                    "INBOX"], check=True, capture_output=True, text=True,
                         timeout=TIMEOUT).stdout.strip()
    return out


@check("add-user: new user and changed password work without reload")
def _():
    for pw in (f"pw{secrets.token_hex(6)}", f"pw{secrets.token_hex(6)}"):  # same length twice
        subprocess.run(["bash", MAIL_SH, "add-user", "smoketest", pw], check=True,
                       capture_output=True, timeout=TIMEOUT)
        m = imaplib.IMAP4(HOST, IMAP, timeout=TIMEOUT)
        m.login("smoketest", pw)
        m.select("INBOX")
        m.logout()


print(f"{len(failures)} check(s) failed: {', '.join(failures)}" if failures else "ALL SMOKE CHECKS PASSED")
sys.exit(1 if failures else 0)
