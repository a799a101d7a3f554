//! `switchboard-bench imap`: initial IMAP sync of a seeded mailbox in the local test Dovecot,
//! against `mbsync` copying the same mailbox to a Maildir (DESIGN.md §7: "faster than mbsync"),
//! then a resync with nothing new (budget < 200 ms).
//!
//! Both clients talk to the same Dovecot over STARTTLS on loopback, so both pay for TLS.
//! Switchboard runs in a child process (`imap-worker`) so its peak RSS is its own. mbsync writes
//! into a fresh directory per run and old copies are deleted only at the end: deleting a
//! 100k-file tree just before a run slows ext4 inode allocation (research/perf.md §3.1).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use switchboard_api::account::{AddImapParams, Secret, Security, account_add_imap};
use switchboard_api::{Ctx, MemorySecrets, SystemClock};

use crate::report::{Table, mb_kib, thousands};
use crate::sys::{self, Machine};

pub struct ImapArgs {
    pub count: u32,
    pub work_dir: Option<PathBuf>,
    pub small: bool,
    pub no_mbsync: bool,
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn mail_sh() -> PathBuf {
    repo_root().join("tests/servers/mail.sh")
}

/// The mail test servers' settings (`mail.sh env`), or why they are not usable.
pub fn servers() -> anyhow::Result<Vec<(String, String)>> {
    let status = Command::new("bash")
        .arg(mail_sh())
        .arg("status")
        .output()
        .context("cannot run tests/servers/mail.sh")?;
    // Only Dovecot is needed here (the SMTP sink may be down).
    let dovecot_up = String::from_utf8_lossy(&status.stdout)
        .lines()
        .any(|l| l.starts_with("dovecot") && l.contains(" UP "));
    if !dovecot_up {
        bail!(
            "the mail test servers are not running (start them: eval \"$(bash tests/servers/mail.sh up)\")"
        );
    }
    let out = Command::new("bash").arg(mail_sh()).arg("env").output()?;
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("export "))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.trim_matches('\'').to_string()))
        .collect())
}

fn var(env: &[(String, String)], k: &str) -> anyhow::Result<String> {
    env.iter()
        .find(|(n, _)| n == k)
        .map(|(_, v)| v.clone())
        .with_context(|| format!("mail.sh env has no {k}"))
}

fn inbox_count(doveadm: &str, user: &str) -> u64 {
    let mut parts = doveadm.split_whitespace();
    let Some(prog) = parts.next() else { return 0 };
    Command::new(prog)
        .args(parts)
        .args([
            "-f", "flow", "mailbox", "status", "-u", user, "messages", "INBOX",
        ])
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split("messages=")
                .nth(1)
                .and_then(|n| n.trim().parse().ok())
        })
        .unwrap_or(0)
}

pub fn run(a: &ImapArgs) -> anyhow::Result<()> {
    let env = servers()?;
    let count = if a.small { a.count.min(2_000) } else { a.count };
    let user = format!("bench_sync_{count}");
    let pass = "benchpass";
    let doveadm = var(&env, "SB_TEST_DOVEADM")?;
    let ca = var(&env, "SB_TEST_CA_FILE")?;
    let port = var(&env, "SB_TEST_IMAP_PORT")?;

    // A user holding exactly `count` messages (mdbox: fast to seed); reused across runs.
    let st = Command::new("bash")
        .arg(mail_sh())
        .args(["add-user", &user, pass, "mdbox"])
        .status()?;
    if !st.success() {
        bail!("cannot add the benchmark user {user}");
    }
    let have = inbox_count(&doveadm, &user);
    if have != u64::from(count) {
        if have > 0 {
            bail!(
                "benchmark user {user} holds {have} messages, not {count}; remove its mailbox \
                 (servers down, rm -rf $SB_TEST_SERVERS_DIR/dovecot/mail/{user}) and run again"
            );
        }
        let t = Instant::now();
        let st = Command::new("bash")
            .arg(mail_sh())
            .args(["seed", &user, pass, &count.to_string()])
            .status()?;
        if !st.success() {
            bail!("cannot seed {count} messages for {user}");
        }
        println!(
            "seeded {count} messages in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }

    let work = match &a.work_dir {
        Some(d) => tempfile::tempdir_in(d)?,
        None => tempfile::tempdir()?,
    };
    Machine::detect().print();

    // Switchboard, in its own process.
    let exe = std::env::current_exe()?;
    let data_dir = work.path().join("switchboard");
    let mut cmd = Command::new(&exe);
    cmd.args([
        "imap-worker",
        "--user",
        &user,
        "--pass",
        pass,
        "--port",
        &port,
    ])
    .arg("--ca-file")
    .arg(&ca)
    .arg("--data-dir")
    .arg(&data_dir);
    let pressure = sys::Pressure::start();
    let sb = sys::run_child(cmd)?;
    let sync_pressure = pressure.percent();
    if !sb.success {
        bail!("switchboard sync failed: {}", sb.stderr.trim());
    }
    let figures: serde_json::Value = serde_json::from_str(sb.stdout.trim())
        .with_context(|| format!("worker printed {:?}", sb.stdout))?;
    let initial_s = figures["initial_ms"].as_f64().unwrap_or(0.0) / 1000.0;
    let resync_ms = figures["resync_ms"].as_f64().unwrap_or(0.0);
    let stored = figures["messages"].as_u64().unwrap_or(0);
    crate::baseline::timing(
        "imap.initial_msg_per_s",
        stored as f64 / initial_s.max(0.001),
        "msg/s",
        crate::baseline::Better::Higher,
        sync_pressure,
    );
    crate::baseline::timing(
        "imap.resync_ms",
        resync_ms,
        "ms",
        crate::baseline::Better::Lower,
        sync_pressure,
    );

    // mbsync, FSync on and off. `localhost`: mbsync checks the name against the certificate.
    let mut mbsync = Vec::new();
    if !a.no_mbsync && sys::on_path("mbsync").is_some() {
        for fsync in ["yes", "no"] {
            let dir = work.path().join(format!("mbsync-{fsync}"));
            std::fs::create_dir_all(dir.join("Maildir"))?;
            let cfg = dir.join("mbsyncrc");
            std::fs::write(
                &cfg,
                format!(
                    "FSync {fsync}\n\nIMAPAccount bench\nHost localhost\nPort {port}\nUser {user}\n\
                     Pass {pass}\nSSLType STARTTLS\nCertificateFile {ca}\nAuthMechs LOGIN PLAIN\n\n\
                     IMAPStore bench-remote\nAccount bench\n\nMaildirStore bench-local\n\
                     Path {d}/Maildir/\nInbox {d}/Maildir/INBOX\nSubFolders Verbatim\n\n\
                     Channel bench\nFar :bench-remote:\nNear :bench-local:\nPatterns INBOX\n\
                     Create Near\nSync Pull\nSyncState *\n",
                    d = dir.display()
                ),
            )?;
            let mut cmd = Command::new("mbsync");
            cmd.arg("-c").arg(&cfg).arg("-q").arg("bench");
            let r = sys::run_child(cmd)?;
            if !r.success {
                bail!("mbsync failed: {}", r.stderr.trim());
            }
            mbsync.push((fsync, r));
        }
    }

    let mut t = Table::new(format!(
        "IMAP initial sync, {} messages, local Dovecot over STARTTLS",
        thousands(count as f64)
    ));
    t.info(
        "switchboard: initial sync (fetch, parse, thread, store, index)",
        format!(
            "{initial_s:.1} s ({} msg/s), {} stored",
            thousands(stored as f64 / initial_s.max(0.001)),
            thousands(stored as f64)
        ),
    );
    t.info(
        "switchboard: peak RSS (whole worker)",
        mb_kib(sb.peak_rss_kb),
    );
    if let Some((u, s)) = sb.cpu {
        t.info(
            "switchboard: CPU user / sys",
            format!("{u:.1} s / {s:.1} s"),
        );
    }
    for (fsync, r) in &mbsync {
        let w = r.wall.as_secs_f64();
        t.info(
            format!("mbsync FSync {fsync}: copy to Maildir"),
            format!(
                "{w:.1} s ({} msg/s)",
                thousands(count as f64 / w.max(0.001))
            ),
        );
        t.info(
            format!("mbsync FSync {fsync}: peak RSS"),
            mb_kib(r.peak_rss_kb),
        );
        t.budget(
            format!("ratio switchboard / mbsync FSync {fsync}"),
            format!("{:.2}", initial_s / w.max(0.001)),
            if *fsync == "yes" {
                "< 1 (DESIGN §7)"
            } else {
                "(reference)"
            },
            (*fsync == "yes" && !a.small).then_some(initial_s < w),
        );
    }
    t.budget(
        "switchboard: resync with nothing new",
        format!("{resync_ms:.0} ms"),
        "< 200 ms",
        (!a.small).then_some(resync_ms < 200.0),
    );
    t.print();
    Ok(())
}

/// The measured side, in a child process: add the account (signs in), one initial pass, then
/// one pass with nothing new. Prints JSON figures.
pub fn worker(
    user: &str,
    pass: &str,
    port: u16,
    ca_file: &Path,
    data_dir: &Path,
) -> anyhow::Result<()> {
    let store = switchboard_store::Store::open(data_dir)?;
    let ctx = Ctx::with_parts(
        store,
        Arc::new(SystemClock),
        Arc::new(MemorySecrets::default()),
    );
    account_add_imap(
        &ctx,
        AddImapParams {
            name: "bench".into(),
            email: format!("{user}@localhost"),
            display_name: None,
            imap_host: "127.0.0.1".into(),
            imap_port: port,
            imap_security: Security::Starttls,
            smtp_host: "127.0.0.1".into(),
            smtp_port: 14587,
            smtp_security: Security::Starttls,
            username: user.into(),
            password: Secret::new(pass),
            ca_file: Some(ca_file.to_path_buf()),
            extra_folders: vec![],
        },
    )?;
    let t = Instant::now();
    let first = switchboard_api::sync::sync_account_once(&ctx, "bench", &mut |_| {})?;
    let initial_ms = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    let again = switchboard_api::sync::sync_account_once(&ctx, "bench", &mut |_| {})?;
    let resync_ms = t.elapsed().as_secs_f64() * 1000.0;
    if again.stored() != 0 {
        bail!(
            "the resync stored {} messages; expected none",
            again.stored()
        );
    }
    println!(
        "{}",
        serde_json::json!({
            "initial_ms": initial_ms,
            "resync_ms": resync_ms,
            "messages": first.stored(),
        })
    );
    Ok(())
}
