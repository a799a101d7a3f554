//! IMAP sync against the real Dovecot of tests/servers (run by scripts/test.sh with the servers
//! up). Each test has its own Dovecot user.

mod imap_support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use imap_support::*;
use switchboard_channels::account::Security;
use switchboard_channels::email::imap::{ErrorClass, ImapAuth};
use switchboard_channels::secrets::Secret;
use switchboard_sync::imap::SyncEvent;

#[test]
#[ignore = "needs the mail test servers (scripts/test.sh starts them)"]
fn initial_sync_stores_inbox_and_sent_threads_them_and_counts_sent_as_outbound() {
    let (user, pass) = new_user("initial", false);
    seed(&user, &pass, 60, &[]);
    // Our reply to the first seeded message, in Sent.
    let reply = format!(
        "From: Support <{user}@localhost>\nTo: someone@example.com\nSubject: Re: order\n\
         Date: Tue, 2 Jan 2024 10:00:00 +0000\nMessage-ID: <our-reply-1@localhost>\n\
         In-Reply-To: <sb-seed-1-0@switchboard.test>\nReferences: <sb-seed-1-0@switchboard.test>\n\n\
         We are on it.\n"
    );
    save(&user, "Sent", &reply);
    let h = Harness::new(&user, &pass, config(&user, Security::Starttls));

    let report = h.sync_once().expect("first pass");
    let inbox = &report.folders[0];
    assert_eq!(inbox.folder, "INBOX");
    assert_eq!(inbox.stored, 60, "every INBOX message stored");
    assert!(inbox.complete, "initial sync complete after one pass");
    let sent = report
        .folders
        .iter()
        .find(|f| f.folder == "Sent")
        .expect("the \\Sent folder is synced");
    assert_eq!(sent.stored, 1);

    assert_eq!(h.count("SELECT count(*) FROM messages"), 61);
    assert_eq!(
        h.count(&format!(
            "SELECT count(*) FROM messages m JOIN identities i ON i.id = m.author_identity_id
              WHERE (i.external_id = '{user}@localhost') != (m.direction = 'outbound')"
        )),
        0,
        "mail from the account's own address (the Sent reply, and the seeder's replies from the \
         user) is outbound; everything else inbound"
    );
    assert_eq!(
        h.count("SELECT direction = 'outbound' FROM messages WHERE external_id = 'our-reply-1@localhost'"),
        1
    );
    assert_eq!(
        h.count(
            "SELECT count(*) FROM messages a JOIN messages b ON a.conversation_id = b.conversation_id
              WHERE a.external_id = 'our-reply-1@localhost'
                AND b.external_id = 'sb-seed-1-0@switchboard.test'"
        ),
        1,
        "our reply threads with the message it answers"
    );
    let convs = h.count("SELECT count(DISTINCT conversation_id) FROM messages");
    assert!(
        convs < 60,
        "seeded replies thread into conversations ({convs})"
    );
    assert_eq!(
        h.count("SELECT count(*) FROM cases"),
        h.count("SELECT count(DISTINCT case_id) FROM case_conversations"),
    );
    // Flags came along: ~60 % of seeded mail is \Seen.
    let unread = h.count("SELECT count(*) FROM messages WHERE unread = 1");
    assert!(
        unread > 0 && unread < 60,
        "unread follows \\Seen ({unread})"
    );

    let again = h.sync_once().expect("second pass");
    assert_eq!(again.stored(), 0, "syncing twice stores nothing new");
    assert_eq!(h.count("SELECT count(*) FROM messages"), 61);
    assert_eq!(
        h.count("SELECT count(*) FROM sync_state WHERE last_success_at IS NOT NULL AND last_error IS NULL"),
        h.count("SELECT count(*) FROM sync_state"),
        "every stream records its success"
    );
}

#[test]
#[ignore = "needs the mail test servers (scripts/test.sh starts them)"]
fn new_mail_during_idle_shows_up_within_seconds() {
    let (user, pass) = new_user("idle", false);
    seed(&user, &pass, 5, &[]);
    let h = Harness::new(&user, &pass, config(&user, Security::Tls));
    h.watch_while(|events| {
        let deadline = Instant::now() + Duration::from_secs(20);
        // The first pass ends before IDLE starts.
        loop {
            match events.try_recv() {
                Ok(SyncEvent::PassDone(_)) => break,
                Ok(SyncEvent::Error { message, .. }) => panic!("watch failed: {message}"),
                Ok(_) => {}
                Err(_) => {
                    assert!(Instant::now() < deadline, "no first pass within 20 s");
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        }
        std::thread::sleep(Duration::from_millis(300)); // into IDLE
        let sent_at = Instant::now();
        deliver(
            &user,
            &customer_mail("idle-new-1@example.com", "Where is my parcel?", None),
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match events.try_recv() {
                Ok(SyncEvent::NewMail { mail, .. }) => {
                    assert_eq!(mail.subject.as_deref(), Some("Where is my parcel?"));
                    eprintln!(
                        "new mail seen {} ms after delivery",
                        sent_at.elapsed().as_millis()
                    );
                    break;
                }
                Ok(SyncEvent::Error { message, .. }) => panic!("watch failed: {message}"),
                Ok(_) => {}
                Err(_) => {
                    assert!(Instant::now() < deadline, "new mail not seen within 10 s");
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        }
    });
    assert_eq!(
        h.count("SELECT count(*) FROM messages WHERE external_id = 'idle-new-1@example.com'"),
        1
    );
}

#[test]
#[ignore = "needs the mail test servers (scripts/test.sh starts them)"]
fn flag_changes_and_expunges_on_the_server_follow_locally_and_nothing_is_lost() {
    let (user, pass) = new_user("flags", false);
    for i in 1..=6 {
        deliver(
            &user,
            &customer_mail(&format!("f{i}@example.com"), &format!("Issue {i}"), None),
        );
    }
    let h = Harness::new(&user, &pass, config(&user, Security::Starttls));
    h.sync_once().expect("first pass");
    let state = |id: &str| {
        (
            h.count(&format!(
                "SELECT unread FROM messages WHERE external_id = '{id}'"
            )),
            h.count(&format!(
                "SELECT flagged FROM messages WHERE external_id = '{id}'"
            )),
            h.count(&format!(
                "SELECT deleted_at IS NOT NULL FROM messages WHERE external_id = '{id}'"
            )),
        )
    };
    assert_eq!(
        state("f1@example.com"),
        (1, 0, 0),
        "delivered mail is unread"
    );

    doveadm(&[
        "flags", "add", "-u", &user, "\\Seen", "mailbox", "INBOX", "uid", "1",
    ]);
    doveadm(&[
        "flags",
        "add",
        "-u",
        &user,
        "\\Flagged",
        "mailbox",
        "INBOX",
        "uid",
        "2",
    ]);
    doveadm(&["expunge", "-u", &user, "mailbox", "INBOX", "uid", "3"]);
    let r = h.sync_once().expect("second pass");
    assert_eq!(r.folders[0].flags_changed, 2);
    assert_eq!(r.folders[0].expunged, 1);
    assert_eq!(state("f1@example.com"), (0, 0, 0), "\\Seen → read");
    assert_eq!(state("f2@example.com"), (1, 1, 0), "\\Flagged → flagged");
    assert_eq!(
        state("f3@example.com"),
        (1, 0, 1),
        "expunged → deleted_at, row kept"
    );
    assert_eq!(h.count("SELECT count(*) FROM messages"), 6, "nothing lost");

    doveadm(&[
        "flags", "remove", "-u", &user, "\\Seen", "mailbox", "INBOX", "uid", "1",
    ]);
    h.sync_once().expect("third pass");
    assert_eq!(
        state("f1@example.com"),
        (1, 0, 0),
        "unseen again → unread again"
    );
}

#[test]
#[ignore = "needs the mail test servers (scripts/test.sh starts them)"]
fn a_uidvalidity_change_rebaselines_without_duplicates() {
    let (user, pass) = new_user("uidvalidity", false);
    seed(&user, &pass, 40, &[]);
    let h = Harness::new(&user, &pass, config(&user, Security::Starttls));
    h.sync_once().expect("first pass");
    assert_eq!(h.count("SELECT count(*) FROM messages"), 40);
    let before = h.count(
        "SELECT json_extract(cursor, '$.uidvalidity') FROM sync_state WHERE stream = 'imap:INBOX'",
    );

    doveadm(&[
        "mailbox",
        "update",
        "-u",
        &user,
        "--uid-validity",
        &(before + 1000).to_string(),
        "INBOX",
    ]);
    let r = h.sync_once().expect("pass after the UIDVALIDITY change");
    assert!(r.folders[0].rebaselined, "the change is detected");
    assert_eq!(r.folders[0].stored, 0, "nothing stored twice");
    assert_eq!(
        r.folders[0].duplicates, 40,
        "every message found again by Message-ID"
    );
    assert_eq!(
        h.count("SELECT count(*) FROM messages"),
        40,
        "no duplicates"
    );
    assert_eq!(
        h.count("SELECT count(*) FROM mail_locations WHERE folder = 'INBOX'"),
        40,
        "locations rebuilt under the new UIDVALIDITY"
    );
    assert_eq!(
        h.count(
            "SELECT json_extract(cursor, '$.uidvalidity') FROM sync_state WHERE stream = 'imap:INBOX'"
        ),
        before + 1000
    );
    assert_eq!(
        h.count("SELECT count(*) FROM messages WHERE deleted_at IS NOT NULL"),
        0
    );
}

/// Forwards TCP to `target`, cutting every connection after `limit` bytes from the server while
/// `cut` is set.
fn cutting_proxy(target: u16, limit: usize, cut: Arc<AtomicBool>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(mut client) = client else { continue };
            let Ok(mut server) = TcpStream::connect(("127.0.0.1", target)) else {
                continue;
            };
            let cut = cut.clone();
            let (mut c2, mut s2) = (
                client.try_clone().expect("clone"),
                server.try_clone().expect("clone"),
            );
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut c2, &mut s2);
                let _ = s2.shutdown(std::net::Shutdown::Write);
            });
            std::thread::spawn(move || {
                let mut buf = [0u8; 16384];
                let mut total = 0;
                loop {
                    let n = match server.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    if cut.load(Ordering::SeqCst) && total + n > limit {
                        let _ = client.write_all(&buf[..limit.saturating_sub(total)]);
                        break;
                    }
                    total += n;
                    if client.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
                let _ = client.shutdown(std::net::Shutdown::Both);
                let _ = server.shutdown(std::net::Shutdown::Both);
            });
        }
    });
    port
}

#[test]
#[ignore = "needs the mail test servers (scripts/test.sh starts them)"]
fn a_connection_dropped_mid_fetch_resumes_on_the_next_pass_without_duplicates() {
    let (user, pass) = new_user("drop", true);
    seed(&user, &pass, 3000, &[]);
    let cut = Arc::new(AtomicBool::new(true));
    let imaps: u16 = env("SB_TEST_IMAPS_PORT").parse().expect("port");
    // ~4 MB: the first batches arrive, then the connection dies inside a FETCH.
    let proxy = cutting_proxy(imaps, 4_000_000, cut.clone());
    let mut cfg = config(&user, Security::Tls);
    cfg.imap.port = proxy;
    let h = Harness::new(&user, &pass, cfg);

    let err = h
        .sync_once()
        .expect_err("the cut connection fails the pass");
    assert_eq!(err.class(), ErrorClass::Retryable, "{err}");
    let partial = h.count("SELECT count(*) FROM messages");
    assert!(
        partial > 0 && partial < 3000,
        "whole batches before the cut were kept ({partial})"
    );
    assert_eq!(
        h.count("SELECT error_class = 'retryable' FROM sync_state WHERE stream = 'account'"),
        1,
        "the failure is recorded with its class"
    );

    cut.store(false, Ordering::SeqCst);
    let r = h.sync_once().expect("the next pass resumes");
    assert_eq!(
        r.folders[0].stored as i64,
        3000 - partial,
        "only the rest is fetched"
    );
    assert_eq!(h.count("SELECT count(*) FROM messages"), 3000);
    assert_eq!(h.count("SELECT count(*) FROM mail_locations"), 3000);
    assert_eq!(
        h.count("SELECT count(*) FROM quarantine"),
        0,
        "newest-first threading stores all"
    );
    assert_eq!(
        h.count("SELECT count(*) FROM sync_state WHERE stream = 'account' AND last_error IS NULL"),
        1,
        "success clears the error"
    );
}

#[test]
#[ignore = "needs the mail test servers (scripts/test.sh starts them)"]
fn a_wrong_password_is_a_clear_auth_error_recorded_in_health() {
    let (user, pass) = new_user("badpw", false);
    let h = Harness::new(&user, &pass, config(&user, Security::Starttls));
    let err = h
        .sync_with(&ImapAuth::Password(Secret::new("not-the-password")))
        .expect_err("wrong password");
    assert_eq!(err.class(), ErrorClass::Auth);
    let msg = err.to_string();
    assert!(
        msg.contains("cannot sign in") && msg.contains(&user),
        "{msg}"
    );
    assert!(
        !msg.contains("not-the-password"),
        "the password never shows: {msg}"
    );
    assert_eq!(
        h.count("SELECT count(*) FROM sync_state WHERE stream = 'account' AND error_class = 'auth' AND backoff_until IS NOT NULL"),
        1
    );
}

#[test]
#[ignore = "needs the mail test servers (scripts/test.sh starts them)"]
fn a_message_that_cannot_be_parsed_is_quarantined_and_the_rest_continues() {
    let (user, pass) = new_user("quarantine", false);
    deliver(&user, &customer_mail("q1@example.com", "Fine", None));
    save(
        &user,
        "INBOX",
        "this is not an email at all, there is no header here\n",
    );
    deliver(&user, &customer_mail("q3@example.com", "Also fine", None));
    let h = Harness::new(&user, &pass, config(&user, Security::Starttls));
    let r = h.sync_once().expect("pass");
    assert_eq!(r.folders[0].stored, 2);
    assert_eq!(r.folders[0].quarantined, 1);
    assert_eq!(
        h.count("SELECT count(*) FROM quarantine WHERE origin LIKE 'imap:INBOX/uid 2 %' AND reason LIKE 'cannot parse%'"),
        1,
        "quarantined with its folder/uid origin and reason"
    );
    let again = h.sync_once().expect("second pass");
    assert_eq!(again.folders[0].quarantined, 0, "not retried every pass");
    assert_eq!(again.folders[0].expunged, 0);
}
