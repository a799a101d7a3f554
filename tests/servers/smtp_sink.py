#!/usr/bin/env python3
"""Loopback SMTP sink for Switchboard tests (aiosmtpd 1.4.6). Started by mail.sh.

Every accepted message is written to a Maildir (one file per message in new/) with these
headers prepended for test assertions:
    X-Sink-Mail-From:  envelope sender
    X-Sink-Rcpt-To:    envelope recipients
    X-Sink-Auth-User:  user that did SMTP AUTH on the sink itself ("" if none)
    X-Sink-Mail-Auth:  the RFC 4954 MAIL FROM AUTH= parameter ("" if none); Dovecot's
                       submission relay puts the submitting user's identity here
With --lmtp, the message is also handed to an LMTP server (Dovecot, 14024) for every
recipient whose domain is in --lmtp-domain (default: localhost), so mail sent to
bob@localhost lands in bob's IMAP INBOX. Other recipients (customer@example.com) are
only stored in the sink Maildir. Unknown local users are logged and skipped.

Listeners (127.0.0.1): --port plain SMTP + STARTTLS + optional AUTH (default 14025),
--tls-port implicit TLS (default 14465, 0 = off). AUTH PLAIN/LOGIN is checked against the
Dovecot passwd-file given by --passwd-file (re-read on every AUTH); AUTH is never required.
"""
import argparse, asyncio, logging, mailbox, os, re, signal, smtplib, ssl, sys, threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

# aiosmtpd 1.4 logs "Session.login_data is deprecated" on every AUTH (its own code reads it)
logging.getLogger("mail.log").addFilter(
    lambda r: "login_data is deprecated" not in r.getMessage())

AUTH_PARAM = re.compile(r"\s+AUTH=(\S+)", re.I)


def log(*a):
    print(*a, file=sys.stderr, flush=True)


class SinkSMTP(SMTP):
    async def smtp_MAIL(self, arg):
        # Dovecot's submission relay always sends "MAIL FROM:<x> AUTH=<user>"; aiosmtpd 1.4
        # answers 555 to unknown MAIL parameters, and a handle_MAIL hook runs too late.
        # Strip the parameter here and remember it for the X-Sink-Mail-Auth header.
        self.session.mail_auth = ""
        if arg:
            m = AUTH_PARAM.search(arg)
            if m:
                self.session.mail_auth = m.group(1)
                arg = AUTH_PARAM.sub("", arg)
        return await super().smtp_MAIL(arg)


class SinkController(Controller):
    def factory(self):
        return SinkSMTP(self.handler, **self.SMTP_kwargs)


class SinkHandler:
    def __init__(self, maildir, lmtp, lmtp_domains):
        for sub in ("tmp", "new", "cur"):  # Maildir(create=True) skips an existing dir
            os.makedirs(os.path.join(maildir, sub), exist_ok=True)
        self.md = mailbox.Maildir(maildir, create=False)
        self.lock = threading.Lock()
        self.lmtp = lmtp
        self.lmtp_domains = {d.lower() for d in lmtp_domains}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        auth = getattr(session, "auth_data", None)
        auth_user = auth.login.decode() if isinstance(auth, LoginPassword) else ""
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        local = [r for r in envelope.rcpt_tos
                 if r.rsplit("@", 1)[-1].lower() in self.lmtp_domains]
        if self.lmtp and local:
            try:
                await asyncio.get_running_loop().run_in_executor(
                    None, self._lmtp_deliver, envelope.mail_from, local, raw)
            except Exception as e:  # nothing stored yet: the client may retry
                log(f"LMTP delivery failed: {e!r}")
                return "451 4.3.0 LMTP delivery failed"
        hdr = (f"X-Sink-Mail-From: <{envelope.mail_from}>\r\n"
               f"X-Sink-Rcpt-To: {', '.join('<%s>' % r for r in envelope.rcpt_tos)}\r\n"
               f"X-Sink-Auth-User: {auth_user}\r\n"
               f"X-Sink-Mail-Auth: {getattr(session, 'mail_auth', '')}\r\n").encode()
        with self.lock:
            key = self.md.add(hdr + raw)  # written to tmp/, then renamed into new/
        log(f"stored {key} from=<{envelope.mail_from}> to={envelope.rcpt_tos} lmtp={local}")
        return "250 2.0.0 OK queued"

    def _lmtp_deliver(self, mail_from, rcpts, raw):
        host, port = self.lmtp
        with smtplib.LMTP(host, port) as l:
            l.ehlo_or_helo_if_needed()
            code, resp = l.mail(mail_from)
            if code != 250:
                raise smtplib.SMTPSenderRefused(code, resp, mail_from)
            ok = []
            for r in rcpts:
                code, resp = l.rcpt(r)
                if code in (250, 251):
                    ok.append(r)
                else:
                    log(f"LMTP refused {r}: {code} {resp.decode(errors='replace')}")
            if not ok:
                l.rset()
                return
            code, resp = l.docmd("DATA")
            if code != 354:
                raise smtplib.SMTPDataError(code, resp)
            q = smtplib.quotedata(raw.decode("utf-8", "surrogateescape")).encode(
                "utf-8", "surrogateescape")
            if not q.endswith(b"\r\n"):
                q += b"\r\n"
            l.send(q + b".\r\n")
            for r in ok:  # LMTP: one reply per accepted recipient
                code, resp = l.getreply()
                if code != 250:
                    log(f"LMTP DATA refused for {r}: {code} {resp.decode(errors='replace')}")


def make_auth(passwd_file):
    def users():
        out = {}
        try:
            with open(passwd_file, encoding="utf-8") as f:
                for line in f:
                    parts = line.rstrip("\n").split(":")
                    if len(parts) >= 2 and parts[0] and not parts[0].startswith("#"):
                        pw = parts[1]
                        out[parts[0]] = pw[7:] if pw.startswith("{PLAIN}") else pw
        except OSError as e:
            log(f"cannot read {passwd_file}: {e}")
        return out

    def authenticator(server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        ok = users().get(auth_data.login.decode()) == auth_data.password.decode()
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)
    return authenticator


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--maildir", required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=14025)
    ap.add_argument("--tls-port", type=int, default=14465)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--passwd-file", required=True, help="Dovecot users file for AUTH")
    ap.add_argument("--lmtp", help="host:port of an LMTP server to also deliver to")
    ap.add_argument("--lmtp-domain", action="append", default=[],
                    help="recipient domains handed to LMTP (default: localhost)")
    a = ap.parse_args()

    lmtp = None
    if a.lmtp:
        h, p = a.lmtp.rsplit(":", 1)
        lmtp = (h, int(p))
    handler = SinkHandler(a.maildir, lmtp, a.lmtp_domain or ["localhost"])
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(a.cert, a.key)
    common = dict(authenticator=make_auth(a.passwd_file), auth_required=False,
                  auth_require_tls=False, data_size_limit=50 * 1024 * 1024,
                  enable_SMTPUTF8=True, ident="switchboard-smtp-sink")
    ctrls = [SinkController(handler, hostname=a.host, port=a.port, tls_context=tls,
                            require_starttls=False, **common)]
    if a.tls_port:
        ctrls.append(SinkController(handler, hostname=a.host, port=a.tls_port,
                                    ssl_context=tls, **common))
    for c in ctrls:
        c.start()
    log(f"smtp-sink ready: smtp={a.host}:{a.port} smtps={a.host}:{a.tls_port} "
        f"maildir={a.maildir} lmtp={a.lmtp} pid={os.getpid()}")
    stop = threading.Event()
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, lambda *_: stop.set())
    stop.wait()
    for c in ctrls:
        c.stop()
    log("smtp-sink stopped")


if __name__ == "__main__":
    main()
