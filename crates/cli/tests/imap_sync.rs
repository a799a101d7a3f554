//! `switchboard account add imap | list | remove` and `switchboard sync`, black box, against
//! the real loopback Dovecot (tests/servers) and the real OS keychain (scripts/with-keyring.sh).

mod support;

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use support::{Run, Sb};

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: start the mail test servers with \
             `eval \"$(bash tests/servers/mail.sh up)\"` (scripts/test.sh does this)"
        )
    })
}

fn mail_sh(args: &[&str]) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/servers/mail.sh");
    let out = Command::new("bash")
        .arg(script)
        .args(args)
        .env("SERVERS_DIR", env("SB_TEST_SERVERS_DIR"))
        .output()
        .expect("cannot run tests/servers/mail.sh");
    assert!(
        out.status.success(),
        "mail.sh {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn new_user(tag: &str, mdbox: bool) -> (String, String) {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let name = format!(
        "t_cli_{tag}_{}_{}_{nanos}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    );
    let pass = format!("pw{nanos}");
    let mut args = vec!["add-user", name.as_str(), pass.as_str()];
    if mdbox {
        args.push("mdbox");
    }
    mail_sh(&args);
    (name, pass)
}

/// `account add imap` for `user`, with `password` on stdin.
fn add_account(sb: &Sb, account: &str, user: &str, password: &str) -> Run {
    let args = [
        "account",
        "add",
        "imap",
        "--name",
        account,
        "--email",
        &format!("{user}@localhost"),
        "--imap-host",
        "127.0.0.1",
        "--imap-port",
        &env("SB_TEST_IMAPS_PORT"),
        "--security",
        "tls",
        "--smtp-host",
        "127.0.0.1",
        "--smtp-port",
        &env("SB_TEST_SUBMISSION_PORT"),
        "--username",
        user,
        "--password-stdin",
        "--ca-file",
        &env("SB_TEST_CA_FILE"),
    ];
    let mut c = sb.command();
    c.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("spawn switchboard");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{password}\n").as_bytes())
        .expect("write password");
    let out = child.wait_with_output().expect("wait");
    Run::from_output(format!("switchboard {}", args.join(" ")), out)
}

fn db_count(sb: &Sb, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open_with_flags(
        sb.data.join("switchboard.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .expect("open db");
    conn.busy_timeout(Duration::from_secs(10)).expect("busy");
    conn.query_row(sql, [], |r| r.get(0)).expect(sql)
}

#[test]
#[ignore = "needs the mail test servers (scripts/test.sh starts them)"]
fn account_add_checks_the_password_then_sync_list_and_remove_work() {
    let (user, pass) = new_user("acct", false);
    mail_sh(&["seed", &user, &pass, "50"]);
    let sb = Sb::new();

    let bad = add_account(&sb, "work", &user, "wrong-password");
    let msg = bad.error_message().to_string();
    assert!(
        msg.contains("cannot add account") && msg.contains("cannot sign in"),
        "a clear auth error: {msg}"
    );
    assert!(!msg.contains("wrong-password"), "never shows the password");
    assert_eq!(
        sb.json(&["account", "list", "--json"]),
        serde_json::json!([]),
        "nothing saved after a failed sign-in"
    );

    let ok = add_account(&sb, "work", &user, &pass);
    assert!(ok.success(), "{}\n{}", ok.stdout, ok.stderr);
    assert_eq!(
        db_count(
            &sb,
            "SELECT count(*) FROM accounts WHERE config LIKE '%pw%'"
        ),
        0,
        "the password is not in the database"
    );

    let run = sb.ok(&["sync", "--once"]);
    assert!(
        run.stdout.contains("INBOX 50 new"),
        "summary: {}",
        run.stdout
    );

    let list = sb.json(&["account", "list", "--json"]);
    let work = &list[0];
    assert_eq!(work["name"], "work");
    assert_eq!(work["health"]["status"], "ok");
    assert_eq!(work["health"]["messages"], 50);
    let streams = work["health"]["streams"].as_array().expect("streams");
    assert!(
        streams
            .iter()
            .any(|s| s["stream"] == "imap:INBOX" && s["messages"] == 50),
        "per-folder health: {streams:?}"
    );
    let human = sb.ok(&["account", "list"]);
    assert!(human.stdout.contains("imap:INBOX"), "{}", human.stdout);

    sb.ok(&["account", "remove", "work"]);
    assert_eq!(
        sb.json(&["account", "list", "--json"]),
        serde_json::json!([])
    );
    assert_eq!(
        db_count(&sb, "SELECT count(*) FROM messages"),
        50,
        "messages stay after the account is removed"
    );
    let again = sb.fail(&["sync", "--once", "--account", "work"]);
    assert!(
        again.error_message().contains("not found"),
        "{}",
        again.stderr
    );
}

#[test]
#[ignore = "needs the mail test servers (scripts/test.sh starts them)"]
fn sync_killed_mid_way_completes_on_restart_with_exactly_the_servers_messages() {
    const COUNT: i64 = 20_000;
    let (user, pass) = new_user("kill", true);
    mail_sh(&["seed", &user, &pass, &COUNT.to_string()]);
    let sb = Sb::new();
    let ok = add_account(&sb, "bulk", &user, &pass);
    assert!(ok.success(), "{}\n{}", ok.stdout, ok.stderr);

    let mut child = sb.spawn(&["sync", "--once"]);
    let deadline = Instant::now() + Duration::from_secs(120);
    let seen = loop {
        let n = if sb.data.join("switchboard.db").exists() {
            db_count(&sb, "SELECT count(*) FROM messages")
        } else {
            0
        };
        if n >= 1000 {
            break n;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("sync ended ({status}) before it could be killed, with {n} messages");
        }
        assert!(Instant::now() < deadline, "no batch stored within 120 s");
        std::thread::sleep(Duration::from_millis(20));
    };
    child.kill().expect("kill -9"); // SIGKILL: no cleanup runs
    child.wait().expect("reap");
    let after_kill = db_count(&sb, "SELECT count(*) FROM messages");
    assert!(
        after_kill >= seen && after_kill < COUNT,
        "killed mid-way ({after_kill} stored)"
    );

    let run = sb.ok(&["sync", "--once"]);
    assert!(run.stdout.contains("bulk: synced"), "{}", run.stdout);
    assert_eq!(
        db_count(&sb, "SELECT count(*) FROM messages"),
        COUNT,
        "exactly the server's messages"
    );
    assert_eq!(
        db_count(&sb, "SELECT count(DISTINCT external_id) FROM messages"),
        COUNT,
        "no duplicates"
    );
    assert_eq!(db_count(&sb, "SELECT count(*) FROM mail_locations"), COUNT);
    assert_eq!(db_count(&sb, "SELECT count(*) FROM quarantine"), 0);
    // A pass with nothing new stores nothing.
    let quiet = sb.ok(&["sync", "--once"]);
    assert!(quiet.stdout.contains("INBOX 0 new"), "{}", quiet.stdout);
}
