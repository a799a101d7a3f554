//! The outbox against the real loopback servers of tests/servers: Dovecot submission relaying to
//! the SMTP sink (which keeps a copy of every message and delivers @localhost recipients into
//! their Dovecot INBOX), and Dovecot IMAP for the Sent folder and the sync that reads it back.
//!
//! Each test makes its own Dovecot users (the shop's mailbox and the customer's), so tests are
//! isolated and can run in parallel.

#[path = "imap_support/mod.rs"]
mod imap_support;

use std::path::PathBuf;
use std::sync::Arc;

use imap_support::{NEEDS, deliver, env, new_user};
use switchboard_api::account::{AddImapParams, account_add_imap};
use switchboard_api::outbox::{FlushOptions, OutboxListParams, outbox_flush, outbox_list};
use switchboard_api::reply::{ReplyParams, reply_create};
use switchboard_api::{Ctx, MemorySecrets, Secrets, SystemClock};
use switchboard_channels::account::Security;
use switchboard_channels::secrets::{Secret, SecretKind};

struct Shop {
    _dir: tempfile::TempDir,
    ctx: Ctx,
    secrets: Arc<MemorySecrets>,
    user: String,
    pass: String,
}

fn port(var: &str) -> u16 {
    env(var)
        .parse()
        .unwrap_or_else(|_| panic!("{var} is not a port"))
}

/// A workspace with one IMAP/SMTP account on its own new Dovecot user.
fn shop(tag: &str) -> Shop {
    let (user, pass) = new_user(tag, false);
    let dir = tempfile::tempdir().expect("temp dir");
    let store = switchboard_store::Store::open(dir.path()).expect("open store");
    let secrets = Arc::new(MemorySecrets::default());
    let ctx = Ctx::with_parts(store, Arc::new(SystemClock), secrets.clone());
    account_add_imap(
        &ctx,
        AddImapParams {
            name: "shop".into(),
            email: format!("{user}@localhost"),
            display_name: Some("Shop Support".into()),
            imap_host: "127.0.0.1".into(),
            imap_port: port("SB_TEST_IMAPS_PORT"),
            imap_security: Security::Tls,
            smtp_host: "127.0.0.1".into(),
            smtp_port: port("SB_TEST_SUBMISSION_PORT"),
            smtp_security: Security::Starttls,
            username: user.clone(),
            password: Secret::new(pass.clone()),
            ca_file: Some(PathBuf::from(env("SB_TEST_CA_FILE"))),
            extra_folders: vec![],
        },
    )
    .expect("add the shop's account");
    Shop {
        _dir: dir,
        ctx,
        secrets,
        user,
        pass,
    }
}

/// The customer writes to the shop; the shop syncs. Returns the new case's id.
fn customer_writes(s: &Shop, customer: &str, msgid: &str, extra_headers: &str) -> i64 {
    let raw = format!(
        "From: Ann Customer <{customer}>\r\nTo: Shop <{}@localhost>\r\nSubject: Parcel never arrived\r\n\
         Date: Mon, 2 Mar 2026 10:00:00 +0000\r\nMessage-ID: <{msgid}>\r\n{extra_headers}\r\n\
         Hello, my parcel never arrived.\r\n",
        s.user
    );
    deliver(&s.user, &raw);
    switchboard_api::sync::sync_account_once(&s.ctx, "shop", &mut |_| {}).expect("sync");
    case_of(&s.ctx, msgid)
}

fn case_of(ctx: &Ctx, external_id: &str) -> i64 {
    ctx.store()
        .conn()
        .query_row(
            "SELECT cc.case_id FROM messages m JOIN case_conversations cc ON cc.conversation_id = m.conversation_id
              WHERE m.external_id = ?1",
            [external_id],
            |r| r.get(0),
        )
        .unwrap_or_else(|e| panic!("no case holds {external_id}: {e}"))
}

fn count_messages(ctx: &Ctx, external_id: &str) -> i64 {
    ctx.store()
        .conn()
        .query_row(
            "SELECT count(*) FROM messages WHERE external_id = ?1",
            [external_id],
            |r| r.get(0),
        )
        .expect("count")
}

/// Files under `dir`'s `new/` and `cur/` whose bytes contain `needle`.
fn maildir_hits(dir: &std::path::Path, needle: &str) -> Vec<String> {
    let mut out = Vec::new();
    for sub in ["new", "cur"] {
        let Ok(rd) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for e in rd.flatten() {
            if let Ok(bytes) = std::fs::read(e.path())
                && String::from_utf8_lossy(&bytes).contains(needle)
            {
                out.push(String::from_utf8_lossy(&bytes).into_owned());
            }
        }
    }
    out
}

fn sink_copies(msgid: &str) -> Vec<String> {
    maildir_hits(
        &PathBuf::from(env("SB_TEST_SINK_MAILDIR")),
        &format!("Message-ID: <{msgid}>"),
    )
}

fn user_maildir(user: &str) -> PathBuf {
    PathBuf::from(env("SB_TEST_SERVERS_DIR")).join(format!("dovecot/mail/{user}/Maildir"))
}

fn header<'a>(raw: &'a str, name: &str) -> Option<&'a str> {
    raw.lines()
        .take_while(|l| !l.is_empty())
        .find(|l| {
            l.len() > name.len()
                && l[..name.len()].eq_ignore_ascii_case(name)
                && l.as_bytes()[name.len()] == b':'
        })
        .map(|l| l[name.len() + 1..].trim())
}

fn item_state(ctx: &Ctx, id: i64) -> (String, Option<String>, Option<String>) {
    let e = outbox_list(ctx, &OutboxListParams { include_sent: true })
        .expect("outbox list")
        .into_iter()
        .find(|e| e.id == id)
        .expect("outbox item");
    (e.state, e.error_class, e.last_error)
}

fn flush(ctx: &Ctx) -> switchboard_api::outbox::FlushReport {
    outbox_flush(ctx, FlushOptions::default()).expect("flush")
}

fn set_smtp_port(ctx: &Ctx, port: u16) {
    ctx.store()
        .write(|tx| {
            tx.conn().execute(
                "UPDATE accounts SET config = json_set(config, '$.smtp.port', ?1) WHERE name = 'shop'",
                [port],
            )?;
            Ok(())
        })
        .expect("update account");
}

#[test]
#[ignore = "needs the mail test servers (scripts/test.sh starts them)"]
fn a_reply_reaches_the_customer_threaded_is_saved_to_sent_and_shows_once() {
    let _ = NEEDS;
    let s = shop("ob_reply");
    let (cust, _) = new_user("ob_cust", false);
    let customer = format!("{cust}@localhost");
    let q = format!("q1.{}@customer.test", s.user);
    let case_id = customer_writes(
        &s,
        &customer,
        &q,
        "In-Reply-To: <q0@customer.test>\r\nReferences: <q0@customer.test>\r\n",
    );

    let r = reply_create(
        &s.ctx,
        &ReplyParams {
            case_id,
            text: "Sorry! A new parcel left today.".into(),
            account: None,
            private: None,
        },
    )
    .expect("reply");
    assert_eq!(
        r.case_status, "waiting",
        "our reply moves the case to waiting at once"
    );
    assert_eq!(r.to, customer);
    assert_eq!(r.subject, "Re: Parcel never arrived");
    assert_eq!(
        count_messages(&s.ctx, &r.external_id),
        1,
        "the reply is on the timeline before it is sent"
    );

    let report = flush(&s.ctx);
    assert_eq!(report.sent, vec![r.outbox_id], "{report:?}");
    let (state, _, err) = item_state(&s.ctx, r.outbox_id);
    assert_eq!(state, "sent", "{err:?}");

    // The sink got exactly one copy, with the threading headers.
    let copies = sink_copies(&r.external_id);
    assert_eq!(copies.len(), 1, "one copy relayed");
    assert_eq!(
        header(&copies[0], "In-Reply-To"),
        Some(format!("<{q}>").as_str())
    );
    let refs = header(&copies[0], "References").expect("References");
    assert!(
        refs.contains("<q0@customer.test>") && refs.contains(&format!("<{q}>")),
        "References = parent's References + parent's id: {refs}"
    );
    // It is in the customer's INBOX, and in the shop's Sent folder (once, \Seen).
    let needle = format!("Message-ID: <{}>", r.external_id);
    assert_eq!(
        maildir_hits(&user_maildir(&cust), &needle).len(),
        1,
        "delivered to the customer"
    );
    let sent_dir = user_maildir(&s.user).join(".Sent");
    assert_eq!(
        maildir_hits(&sent_dir, &needle).len(),
        1,
        "saved to Sent once"
    );

    // Syncing the Sent folder meets our own reply again: recognised, not a second message.
    switchboard_api::sync::sync_account_once(&s.ctx, "shop", &mut |_| {}).expect("sync again");
    assert_eq!(
        count_messages(&s.ctx, &r.external_id),
        1,
        "the Sent copy is a duplicate"
    );
    let case = switchboard_api::case::case_show(&s.ctx, case_id).expect("case");
    let outbound: Vec<_> = case
        .messages
        .iter()
        .filter(|m| m.direction == "outbound")
        .collect();
    assert_eq!(outbound.len(), 1, "one reply on the case");

    // A second flush has nothing to do.
    let again = flush(&s.ctx);
    assert!(
        again.sent.is_empty() && again.reconciled.is_empty(),
        "{again:?}"
    );
    assert_eq!(sink_copies(&r.external_id).len(), 1, "never sent twice");
}

#[test]
#[ignore = "needs the mail test servers (scripts/test.sh starts them)"]
fn offline_keeps_the_reply_queued_until_the_server_is_reachable() {
    let s = shop("ob_offline");
    let (cust, _) = new_user("ob_offc", false);
    let q = format!("q.{}@customer.test", s.user);
    let case_id = customer_writes(&s, &format!("{cust}@localhost"), &q, "");
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    set_smtp_port(&s.ctx, closed);

    let r = reply_create(
        &s.ctx,
        &ReplyParams {
            case_id,
            text: "On its way.".into(),
            account: None,
            private: None,
        },
    )
    .expect("reply works offline");
    let report = flush(&s.ctx);
    assert!(report.sent.is_empty(), "{report:?}");
    assert_eq!(report.deferred.len(), 1, "{report:?}");
    let (state, class, _) = item_state(&s.ctx, r.outbox_id);
    assert_eq!(
        (state.as_str(), class.as_deref()),
        ("queued", Some("offline"))
    );
    assert!(sink_copies(&r.external_id).is_empty());

    set_smtp_port(&s.ctx, port("SB_TEST_SUBMISSION_PORT"));
    let report = flush(&s.ctx);
    assert_eq!(report.sent, vec![r.outbox_id], "{report:?}");
    assert_eq!(sink_copies(&r.external_id).len(), 1);
}

#[test]
#[ignore = "needs the mail test servers (scripts/test.sh starts them)"]
fn a_wrong_password_is_an_auth_failure_and_the_reply_is_kept() {
    let s = shop("ob_auth");
    let (cust, _) = new_user("ob_authc", false);
    let q = format!("q.{}@customer.test", s.user);
    let case_id = customer_writes(&s, &format!("{cust}@localhost"), &q, "");
    s.secrets
        .set("shop", SecretKind::Password, &Secret::new("wrong-password"))
        .expect("set");
    let r = reply_create(
        &s.ctx,
        &ReplyParams {
            case_id,
            text: "Hello".into(),
            account: None,
            private: None,
        },
    )
    .expect("reply");
    let report = flush(&s.ctx);
    assert!(report.sent.is_empty(), "{report:?}");
    let (state, class, err) = item_state(&s.ctx, r.outbox_id);
    assert_eq!(
        (state.as_str(), class.as_deref()),
        ("queued", Some("auth")),
        "{err:?}"
    );
    assert!(
        !err.unwrap_or_default().contains("wrong-password"),
        "the password is never shown"
    );

    s.secrets
        .set("shop", SecretKind::Password, &Secret::new(s.pass.clone()))
        .expect("set");
    // An automatic flush respects the auth backoff; the user's "send now" does not.
    let auto = flush(&s.ctx);
    assert!(
        auto.sent.is_empty(),
        "backing off after an auth failure: {auto:?}"
    );
    let now = outbox_flush(
        &s.ctx,
        FlushOptions {
            ignore_backoff: true,
        },
    )
    .expect("flush");
    assert_eq!(now.sent, vec![r.outbox_id], "{now:?}");
    assert_eq!(sink_copies(&r.external_id).len(), 1);
}

#[test]
#[ignore = "needs the mail test servers (scripts/test.sh starts them)"]
fn a_permanent_refusal_fails_the_reply_with_the_servers_text() {
    let s = shop("ob_5xx");
    let (cust, _) = new_user("ob_5xxc", false);
    let q = format!("q.{}@customer.test", s.user);
    // Dovecot refuses this recipient (501 5.5.4 Invalid IPv6 address literal); the address is
    // syntactically fine for us, so the refusal comes from the server.
    let case_id = customer_writes(
        &s,
        &format!("{cust}@localhost"),
        &q,
        "Reply-To: <ann@[IPv6:::zz]>\r\n",
    );
    let r = reply_create(
        &s.ctx,
        &ReplyParams {
            case_id,
            text: "Hello".into(),
            account: None,
            private: None,
        },
    )
    .expect("reply");
    assert!(
        r.to.starts_with("ann@["),
        "Reply-To wins over From: {}",
        r.to
    );
    let report = flush(&s.ctx);
    assert_eq!(report.failed.len(), 1, "{report:?}");
    let (state, class, err) = item_state(&s.ctx, r.outbox_id);
    assert_eq!(
        (state.as_str(), class.as_deref()),
        ("failed", Some("permanent"))
    );
    let err = err.unwrap_or_default();
    assert!(
        err.contains("501") && err.contains("Invalid"),
        "the server's own text: {err}"
    );
    // The rest of the outbox carries on: the item is not retried automatically.
    let again = flush(&s.ctx);
    assert!(
        again.failed.is_empty() && again.sent.is_empty(),
        "{again:?}"
    );
}
