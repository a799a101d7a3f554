//! Shared helpers for the IMAP tests against the real loopback Dovecot of tests/servers.
//! Each test makes its own Dovecot user, so tests are isolated and run in parallel.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use switchboard_channels::account::{EmailAuth, EmailConfig, Security, ServerConfig};
use switchboard_channels::email::imap::ImapAuth;
use switchboard_channels::secrets::Secret;
use switchboard_core::SystemClock;
use switchboard_store::Store;
use switchboard_store::accounts::{self, NewAccount};
use switchboard_store::contacts::{self, IdentityRef};
use switchboard_sync::health::SyncError;
use switchboard_sync::imap::{self, Env, ImapAccount, PassReport, SyncEvent};
use switchboard_sync::imap_store;
use tokio::sync::{mpsc, watch};

pub const NEEDS: &str = "needs the mail test servers (scripts/test.sh starts them)";

pub fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: start the mail test servers with \
             `eval \"$(bash tests/servers/mail.sh up)\"` (scripts/test.sh does this)"
        )
    })
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn mail_sh() -> PathBuf {
    repo_root().join("tests/servers/mail.sh")
}

/// A fresh Dovecot user (Maildir, or mdbox for big mailboxes); returns (name, password).
pub fn new_user(tag: &str, mdbox: bool) -> (String, String) {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let name = format!(
        "t_{tag}_{}_{}_{nanos}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    );
    let pass = format!("pw{nanos}");
    let mut cmd = Command::new("bash");
    cmd.arg(mail_sh()).args(["add-user", &name, &pass]);
    if mdbox {
        cmd.arg("mdbox");
    }
    let out = cmd
        .env("SERVERS_DIR", env("SB_TEST_SERVERS_DIR"))
        .output()
        .expect("cannot run tests/servers/mail.sh");
    assert!(
        out.status.success(),
        "mail.sh add-user {name} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (name, pass)
}

/// Seeds `count` deterministic messages with the harness's seeder.
pub fn seed(user: &str, pass: &str, count: u32, extra: &[&str]) {
    let out = Command::new("bash")
        .arg(mail_sh())
        .args(["seed", user, pass, &count.to_string()])
        .args(extra)
        .env("SERVERS_DIR", env("SB_TEST_SERVERS_DIR"))
        .output()
        .expect("cannot run mail.sh seed");
    assert!(
        out.status.success(),
        "mail.sh seed failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs doveadm (as another client would act on the mailbox) and returns its stdout.
pub fn doveadm(args: &[&str]) -> String {
    let cmdline = env("SB_TEST_DOVEADM");
    let mut parts = cmdline.split_whitespace();
    let prog = parts.next().expect("SB_TEST_DOVEADM is empty");
    let out = Command::new(prog)
        .args(parts)
        .args(args)
        .output()
        .expect("cannot run doveadm");
    assert!(
        out.status.success(),
        "doveadm {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Delivers a message to `user`'s INBOX through LMTP, as an MTA would.
pub fn deliver(user: &str, raw: &str) {
    let port = env("SB_TEST_LMTP_PORT");
    let mut s = TcpStream::connect(("127.0.0.1", port.parse::<u16>().expect("LMTP port")))
        .expect("cannot connect to LMTP");
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .expect("timeout");
    let expect = |s: &mut TcpStream, code: &str| {
        let mut buf = [0u8; 4096];
        let mut got = String::new();
        loop {
            let n = s.read(&mut buf).expect("LMTP read");
            assert!(n > 0, "LMTP closed, had {got:?}");
            got.push_str(&String::from_utf8_lossy(&buf[..n]));
            // last line complete and not a continuation
            if got.ends_with("\r\n")
                && got
                    .trim_end()
                    .lines()
                    .last()
                    .is_some_and(|l| l.len() >= 4 && &l[3..4] == " ")
            {
                break;
            }
        }
        assert!(got.starts_with(code), "LMTP expected {code}, got {got:?}");
    };
    expect(&mut s, "220");
    let send = |s: &mut TcpStream, line: &str, code: &str| {
        s.write_all(line.as_bytes()).expect("LMTP write");
        expect(s, code);
    };
    send(&mut s, "LHLO test\r\n", "250");
    send(&mut s, "MAIL FROM:<sender@example.com>\r\n", "250");
    send(&mut s, &format!("RCPT TO:<{user}@localhost>\r\n"), "250");
    send(&mut s, "DATA\r\n", "354");
    let body = raw.replace("\r\n", "\n").replace('\n', "\r\n");
    let body = body
        .split("\r\n")
        .map(|l| {
            if l.starts_with('.') {
                format!(".{l}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\r\n");
    send(&mut s, &format!("{body}\r\n.\r\n"), "250");
    let _ = s.write_all(b"QUIT\r\n");
}

/// Saves a message straight into a folder (doveadm save), as another client's APPEND would.
pub fn save(user: &str, folder: &str, raw: &str) {
    let cmdline = env("SB_TEST_DOVEADM");
    let mut parts = cmdline.split_whitespace();
    let prog = parts.next().expect("SB_TEST_DOVEADM is empty");
    let mut child = Command::new(prog)
        .args(parts)
        .args(["save", "-u", user, "-m", folder])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("cannot run doveadm save");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(raw.as_bytes())
        .expect("write to doveadm save");
    assert!(
        child.wait().expect("doveadm save").success(),
        "doveadm save failed"
    );
}

pub fn config(user: &str, security: Security) -> EmailConfig {
    let port = match security {
        Security::Tls => env("SB_TEST_IMAPS_PORT"),
        Security::Starttls => env("SB_TEST_IMAP_PORT"),
    };
    EmailConfig {
        email: format!("{user}@localhost"),
        display_name: Some("Support".into()),
        username: user.to_string(),
        imap: ServerConfig {
            host: env("SB_TEST_IMAP_HOST"),
            port: port.parse().expect("port"),
            security,
        },
        smtp: ServerConfig {
            host: env("SB_TEST_IMAP_HOST"),
            port: env("SB_TEST_SUBMISSION_PORT").parse().expect("port"),
            security: Security::Starttls,
        },
        auth: EmailAuth::Password,
        ca_file: Some(env("SB_TEST_CA_FILE").into()),
        extra_folders: vec![],
    }
}

/// A store with one email account, and the engine wiring the API would give it.
pub struct Harness {
    pub dir: tempfile::TempDir,
    pub store: Mutex<Store>,
    pub account: ImapAccount,
    pub auth: ImapAuth,
}

impl Harness {
    pub fn new(user: &str, pass: &str, config: EmailConfig) -> Harness {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("open store");
        let email = config.email.clone();
        let cfg_json = serde_json::to_value(&config).expect("config json");
        let id = store
            .write(|tx| {
                let id = accounts::insert(
                    tx,
                    NewAccount {
                        kind: "email",
                        name: user,
                        address: Some(&email),
                        config: cfg_json,
                    },
                    1,
                )?;
                contacts::mark_self(
                    tx,
                    &IdentityRef {
                        channel: "email".into(),
                        external_id: email.clone(),
                        handle: None,
                        display_name: None,
                    },
                    1,
                )?;
                Ok(id)
            })
            .expect("insert account");
        Harness {
            dir,
            store: Mutex::new(store),
            account: ImapAccount {
                id,
                name: user.to_string(),
                config,
            },
            auth: ImapAuth::Password(Secret::new(pass)),
        }
    }

    /// Runs `work` with a writer thread and a runtime, collecting events.
    pub fn run<R, F>(&self, work: impl FnOnce(Env) -> F) -> (R, Vec<SyncEvent>)
    where
        F: Future<Output = R>,
    {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let (writer, queue) = imap_store::writer(4);
        let (etx, mut erx) = mpsc::unbounded_channel();
        let env = Env {
            writer,
            data_dir: self.dir.path().to_path_buf(),
            clock: Arc::new(SystemClock),
            events: etx,
        };
        std::thread::scope(|scope| {
            scope.spawn(|| imap_store::serve(&self.store, queue));
            let out = rt.block_on(work(env));
            let mut events = Vec::new();
            while let Ok(e) = erx.try_recv() {
                events.push(e);
            }
            (out, events)
        })
    }

    pub fn sync_once(&self) -> Result<PassReport, SyncError> {
        self.sync_with(&self.auth)
    }

    pub fn sync_with(&self, auth: &ImapAuth) -> Result<PassReport, SyncError> {
        let acct = self.account.clone();
        self.run(|env| async move { imap::sync_once(&acct, auth, &env).await })
            .0
    }

    /// Watches in the background; `during` runs on this thread with the event receiver; then the
    /// watch is stopped.
    pub fn watch_while(&self, during: impl FnOnce(&mut mpsc::UnboundedReceiver<SyncEvent>)) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let (writer, queue) = imap_store::writer(4);
        let (etx, mut erx) = mpsc::unbounded_channel();
        let env = Env {
            writer,
            data_dir: self.dir.path().to_path_buf(),
            clock: Arc::new(SystemClock),
            events: etx,
        };
        let (stop_tx, stop_rx) = watch::channel(false);
        let acct = self.account.clone();
        let auth = self.auth.clone();
        std::thread::scope(|scope| {
            scope.spawn(|| imap_store::serve(&self.store, queue));
            let worker = scope.spawn(move || {
                let get_auth = move || Ok(auth.clone());
                rt.block_on(imap::watch(&acct, &get_auth, &env, stop_rx))
            });
            during(&mut erx);
            let _ = stop_tx.send(true);
            worker
                .join()
                .expect("watch thread")
                .expect("watch ends cleanly");
        });
    }

    pub fn count(&self, sql: &str) -> i64 {
        let store = self.store.lock().unwrap_or_else(|p| p.into_inner());
        store
            .conn()
            .query_row(sql, [], |r| r.get(0))
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }
}

/// A small message from a customer.
pub fn customer_mail(id: &str, subject: &str, in_reply_to: Option<&str>) -> String {
    let irt = in_reply_to
        .map(|p| format!("In-Reply-To: <{p}>\nReferences: <{p}>\n"))
        .unwrap_or_default();
    format!(
        "From: Carla Customer <carla@example.com>\nTo: support@localhost\nSubject: {subject}\n\
         Date: Mon, 3 Jun 2024 10:00:00 +0000\nMessage-ID: <{id}>\n{irt}\
         Content-Type: text/plain; charset=utf-8\n\nHello, my order is late.\n"
    )
}
