#!/usr/bin/env python3
"""Seed an IMAP mailbox fast with deterministic, realistic messages (stdlib only).

Used by `mail.sh seed NAME PASS COUNT [options]` and by the 100k benchmark.

Speed: MULTIAPPEND (RFC 3502) + LITERAL+ (RFC 7888): one APPEND command carries --batch
messages, so Dovecot commits one transaction per batch instead of one per message.

Determinism: message i (0-based, counted from the start of the sequence for --seed) is the
same bytes on every run and every machine, except the To: header (the seeded user).
  Message-ID   <sb-seed-S-i@switchboard.test>         (S = --seed)
  threads      ~half the messages reply to an earlier, still-open thread: In-Reply-To is
               the previous message of that thread, References the whole chain, Subject
               "Re: <thread subject>"; thread lengths 1..12
  subjects     support-inbox style, some non-ASCII (RFC 2047 encoded)
  senders      ~60 customers on several domains, some non-ASCII display names; replies in
               a thread alternate between the customer and the seeded user
  body         ~3 KB text/plain (every 7th message multipart/alternative with HTML);
               replies quote the previous message
  dates        Date == INTERNALDATE, from 2024-01-01T00:00:00Z, 10 s..10 min apart
  flags        ~60 % \\Seen, ~3 % \\Flagged
--start N skips the first N messages of the sequence (state is replayed), so
`--count 1000` then `--start 1000 --count 1000` equals one `--count 2000` run.

usage: imap_seed.py --user bulk --password bulkpass --count 100000
                    [--mailbox INBOX] [--start 0] [--seed 1] [--batch 1000]
                    [--host 127.0.0.1] [--port 14143] [--print N]
"""
import argparse, base64, datetime, email.utils, imaplib, random, sys, textwrap, time, unicodedata

EPOCH = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)

FIRST = ["Anna", "Ben", "Chloé", "David", "Emma", "Farid", "Grace", "Hiro", "Ingrid", "Jürgen",
         "Kofi", "Lena", "Mateo", "Nina", "Olu", "Priya", "Quinn", "Rosa", "Sven", "Tomás",
         "Uma", "Viktor", "Wei", "Ximena", "Yusuf", "Zoë"]
LAST = ["Smith", "Müller", "García", "Okafor", "Tanaka", "Novak", "Dubois", "Kowalski", "Rossi",
        "Andersson", "Nguyen", "Popescu"]
DOMAINS = ["example.com", "example.org", "example.net", "customer.test", "shop.example",
           "mail.example.de"]
TOPICS = [
    "Order #{n} has not arrived", "Refund request for order {n}", "Question about invoice INV-{n}",
    "Cannot log in to my account", "Password reset link expired", "Feature request: {f}",
    "Bug: {f} crashes on startup", "Billing address change", "Upgrade to the {p} plan",
    "Cancel my subscription", "Wrong item delivered ({n})", "Shipping to {c}?",
    "Invoice {n} paid twice", "API rate limit on {f}", "How do I export my data?",
    "Rückerstattung für Bestellung {n}", "Problème de livraison – commande {n}",
    "注文 {n} について", "Заказ {n} не доставлен", "¿Factura {n} duplicada?",
    "🚀 Onboarding question about {f}", "Urgent: outage since {h}:00", "Thanks for the quick help!",
    "Partnership inquiry", "GDPR data request ({n})",
]
FEATURES = ["CSV import", "dark mode", "the mobile app", "webhooks", "SSO", "search", "calendar sync",
            "two-factor login", "the reporting dashboard", "attachments"]
PLANS = ["Team", "Business", "Enterprise", "Starter"]
COUNTRIES = ["Norway", "Brazil", "Japan", "Kenya", "Canada", "Germany", "Chile"]
WORDS = ("the order invoice account customer shipping refund delivery package support team please "
         "thanks update issue problem payment card address week yesterday today tomorrow again "
         "still since report attached screenshot version browser phone email login reset link "
         "plan upgrade export data request help question answer ticket number status warehouse "
         "courier tracking label return label replacement discount coupon renewal receipt tax "
         "für größe naïve café déjà résumé".split())


def _paragraphs():
    r = random.Random(4242)
    out = []
    for _ in range(64):
        words = [r.choice(WORDS) for _ in range(r.randint(40, 90))]
        text = " ".join(words).capitalize() + "."
        out.append(textwrap.wrap(text, 72))
    return out


PARAS = _paragraphs()
PARA_TEXT = ["\r\n".join(p) + "\r\n\r\n" for p in PARAS]


def hdr(s):
    """RFC 2047 B-encode non-ASCII header text in encoded words of <= 45 UTF-8 bytes."""
    if s.isascii():
        return s
    words, chunk = [], b""
    for ch in s:
        b = ch.encode("utf-8")
        if len(chunk) + len(b) > 45:
            words.append(chunk)
            chunk = b""
        chunk += b
    words.append(chunk)
    return "\r\n ".join("=?utf-8?b?" + base64.b64encode(w).decode() + "?=" for w in words)


def addr(name, mail):
    return email.utils.formataddr((name, mail))  # encodes non-ASCII names (RFC 2047)


class Gen:
    """Replays the deterministic sequence; build() only for the messages actually sent."""

    def __init__(self, seed, user):
        self.r = random.Random(seed)
        self.seed = seed
        self.user = user
        self.me = addr(user.capitalize(), f"{user}@localhost")
        self.open = []  # threads: dict(subject, customer, ids, left, last_body)
        self.t = 0  # seconds since EPOCH

    def mid(self, i):
        return f"<sb-seed-{self.seed}-{i}@switchboard.test>"

    def step(self, i):
        """Advance the state for message i; return its description."""
        r = self.r
        self.t += r.randint(10, 600)
        seen = r.random() < 0.6
        flagged = r.random() < 0.03
        size = r.randint(2200, 3600)
        pstart = r.randrange(len(PARAS))
        if self.open and r.random() < 0.5:
            th = self.open[r.randrange(len(self.open))]
            subject = "Re: " + th["subject"]
            from_me = len(th["ids"]) % 2 == 1
            sender = self.me if from_me else th["customer"]
            parent = th
        else:
            n = r.randint(10000, 99999)
            subject = r.choice(TOPICS).format(n=n, f=r.choice(FEATURES), p=r.choice(PLANS),
                                              c=r.choice(COUNTRIES), h=r.randint(0, 23))
            fn, ln = r.choice(FIRST), r.choice(LAST)
            local = unicodedata.normalize("NFKD", f"{fn}.{ln}".lower()).encode("ascii", "ignore").decode()
            sender = addr(f"{fn} {ln}", f"{local}{r.randint(1, 9)}@{r.choice(DOMAINS)}")
            th = {"subject": subject, "customer": sender, "ids": [], "left": r.randint(1, 12)}
            parent = None
            if th["left"] > 1:
                self.open.append(th)
                if len(self.open) > 40:
                    self.open.pop(0)
        d = dict(i=i, subject=subject, sender=sender, seen=seen, flagged=flagged, size=size,
                 pstart=pstart, t=self.t, in_reply_to=parent["ids"][-1] if parent else None,
                 references=(parent["ids"][:1] + parent["ids"][1:][-9:]) if parent else [],
                 multipart=(i % 7 == 6))
        th["ids"].append(self.mid(i))
        th["left"] -= 1
        if th["left"] <= 0 and th in self.open:
            self.open.remove(th)
        return d

    def build(self, d):
        i = d["i"]
        date = EPOCH + datetime.timedelta(seconds=d["t"])
        lines = ["Hello,", ""]
        if d["in_reply_to"]:
            lines += [f"> (quoting {d['in_reply_to']})",
                      "> " + " ".join(PARAS[(d["pstart"] + 7) % len(PARAS)][0:1]), ""]
        lines.append(f"Reference SB-{self.seed}-{i}: {d['subject'][:60]}")
        lines.append("")
        k = d["pstart"]
        body_len = sum(len(x) + 2 for x in lines)
        paras = []
        while body_len < d["size"] - 450:
            p = PARA_TEXT[k % len(PARA_TEXT)]
            paras.append(p)
            body_len += len(p)
            k += 1
        lines.append("".join(paras) + "--")
        lines.append("Sent from the Switchboard seeder")
        text = "\r\n".join(lines) + "\r\n"
        h = [f"From: {d['sender']}",
             f"To: {self.me}",
             f"Subject: {hdr(d['subject'])}",
             f"Date: {email.utils.format_datetime(date)}",
             f"Message-ID: {self.mid(i)}"]
        if d["in_reply_to"]:
            h.append(f"In-Reply-To: {d['in_reply_to']}")
            h.append("References: " + "\r\n ".join(d["references"]))
        h.append("MIME-Version: 1.0")
        if d["multipart"]:
            b = f"sb-alt-{self.seed}-{i}"
            half = text[: len(text) // 2]
            html = "<html><body><p>" + half.replace("\r\n\r\n", "</p><p>").replace("\r\n", " ") \
                   + "</p></body></html>\r\n"
            h.append(f'Content-Type: multipart/alternative; boundary="{b}"')
            body = (f"--{b}\r\nContent-Type: text/plain; charset=utf-8\r\n"
                    f"Content-Transfer-Encoding: 8bit\r\n\r\n{half}\r\n"
                    f"--{b}\r\nContent-Type: text/html; charset=utf-8\r\n"
                    f"Content-Transfer-Encoding: 8bit\r\n\r\n{html}"
                    f"--{b}--\r\n")
        else:
            h.append("Content-Type: text/plain; charset=utf-8")
            h.append("Content-Transfer-Encoding: 8bit")
            body = text
        msg = ("\r\n".join(h) + "\r\n\r\n" + body).encode("utf-8")
        flags = [f for f, on in (("\\Seen", d["seen"]), ("\\Flagged", d["flagged"])) if on]
        return msg, flags, imaplib.Time2Internaldate(date).replace('"', "")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=14143)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--mailbox", default="INBOX")
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--print", type=int, default=0, metavar="N",
                    help="print the first N generated messages to stdout and do not connect")
    a = ap.parse_args()
    if a.count < 0 or a.start < 0 or a.batch < 1:
        ap.error("--count/--start must be >= 0 and --batch >= 1")

    gen = Gen(a.seed, a.user)
    for i in range(a.start):
        gen.step(i)
    if a.print:
        for i in range(a.start, a.start + min(a.print, a.count)):
            msg, flags, idate = gen.build(gen.step(i))
            sys.stdout.write(f"==== #{i} flags={flags} internaldate={idate} size={len(msg)}\n")
            sys.stdout.write(msg.decode("utf-8"))
        return

    try:
        m = imaplib.IMAP4(a.host, a.port, timeout=60)
    except OSError as e:
        sys.exit(f"imap_seed: cannot connect to {a.host}:{a.port}: {e} (is `mail.sh up` running?)")
    try:
        m.login(a.user, a.password)
    except imaplib.IMAP4.error as e:
        sys.exit(f"imap_seed: LOGIN {a.user} failed: {e} (add the user: mail.sh add-user)")
    caps = m.capability()[1][0].decode().upper().split()  # post-login capabilities
    if "MULTIAPPEND" not in caps or "LITERAL+" not in caps:
        sys.exit(f"imap_seed: server lacks MULTIAPPEND/LITERAL+: {caps}")
    if a.mailbox.upper() != "INBOX":
        m.create(a.mailbox)  # NO [ALREADYEXISTS] is fine
    mbox = '"' + a.mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'
    t0 = time.time()
    nbytes = 0
    pending = []  # (tag, first, last): batches sent but not yet answered

    def wait_one():
        tag, first, last = pending.pop(0)
        while True:
            line = m.readline()
            if not line:
                sys.exit("imap_seed: server closed the connection during APPEND")
            if line.startswith(tag + b" "):
                if not line[len(tag):].startswith(b" OK"):
                    sys.exit(f"imap_seed: APPEND of messages {first}..{last} failed: "
                             f"{line.decode(errors='replace').strip()}")
                return

    # Pipelined: batch n+1 is generated and sent while Dovecot stores batch n
    # (at most 2 APPENDs in flight).
    i, end = a.start, a.start + a.count
    while i < end:
        k = min(a.batch, end - i)
        tag = m._new_tag()
        parts = [tag + b" APPEND " + mbox.encode()]
        for j in range(i, i + k):
            msg, flags, idate = gen.build(gen.step(j))
            nbytes += len(msg)
            parts.append(f' ({" ".join(flags)}) "{idate}" {{{len(msg)}+}}\r\n'.encode() + msg)
        m.send(b"".join(parts) + b"\r\n")
        pending.append((tag, i, i + k - 1))
        if len(pending) >= 2:
            wait_one()
        i += k
    while pending:
        wait_one()
    dt = time.time() - t0
    typ, d = m.status(mbox, "(MESSAGES UIDNEXT UIDVALIDITY HIGHESTMODSEQ)")
    print(f"seeded {a.count} messages ({nbytes / max(a.count, 1) / 1024:.1f} KiB avg) into "
          f"{a.user}/{a.mailbox} in {dt:.2f}s ({a.count / max(dt, 1e-9):.0f} msg/s); "
          f"{d[0].decode() if typ == 'OK' else d}")
    m.logout()


if __name__ == "__main__":
    main()
