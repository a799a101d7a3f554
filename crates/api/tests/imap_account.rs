//! `account_add_imap` / `account_list` / `account_remove` / `sync_account_once` against the real
//! loopback Dovecot (tests/servers), with in-memory secrets so what is stored where is visible.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

use switchboard_api::account::{
    AddImapParams, Secret, Security, SyncStatus, account_add_imap, account_list, account_remove,
};
use switchboard_api::sync::sync_account_once;
use switchboard_api::{Code, Ctx, MemorySecrets, Secrets, SystemClock};
use switchboard_channels::secrets::SecretKind;

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: start the mail test servers with \
             `eval \"$(bash tests/servers/mail.sh up)\"` (scripts/test.sh does this)"
        )
    })
}

fn new_user() -> (String, String) {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let name = format!("t_api_{}_{nanos}", std::process::id());
    let pass = format!("pw{nanos}");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/servers/mail.sh");
    for args in [
        vec!["add-user", name.as_str(), pass.as_str()],
        vec!["seed", name.as_str(), pass.as_str(), "12"],
    ] {
        let out = Command::new("bash")
            .arg(script)
            .args(&args)
            .env("SERVERS_DIR", env("SB_TEST_SERVERS_DIR"))
            .output()
            .expect("mail.sh");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    (name, pass)
}

fn params(name: &str, user: &str, password: &str) -> AddImapParams {
    AddImapParams {
        name: name.into(),
        email: format!("{user}@localhost"),
        display_name: None,
        imap_host: "127.0.0.1".into(),
        imap_port: env("SB_TEST_IMAP_PORT").parse().expect("port"),
        imap_security: Security::Starttls,
        smtp_host: "127.0.0.1".into(),
        smtp_port: env("SB_TEST_SUBMISSION_PORT").parse().expect("port"),
        smtp_security: Security::Starttls,
        username: user.into(),
        password: Secret::new(password),
        ca_file: Some(PathBuf::from(env("SB_TEST_CA_FILE"))),
        extra_folders: vec![],
    }
}

#[test]
#[ignore = "needs the mail test servers (scripts/test.sh starts them)"]
fn an_account_is_saved_only_after_sign_in_and_its_secret_lives_only_in_the_keychain() {
    let (user, pass) = new_user();
    let dir = tempfile::tempdir().expect("tempdir");
    let store = switchboard_store::Store::open(dir.path()).expect("store");
    let secrets = Arc::new(MemorySecrets::default());
    let ctx = Ctx::with_parts(store, Arc::new(SystemClock), secrets.clone());

    let err = account_add_imap(&ctx, params("work", &user, "wrong")).expect_err("refused");
    assert_eq!(err.code, Code::Auth, "{err}");
    assert!(err.message.contains("cannot add account \"work\""), "{err}");
    assert!(
        account_list(&ctx).expect("list").is_empty(),
        "nothing saved"
    );
    assert!(
        secrets.get("work", SecretKind::Password).is_err(),
        "no secret saved"
    );

    let mut bad_port = params("work", &user, &pass);
    bad_port.imap_port = 1; // nothing listens there
    let err = account_add_imap(&ctx, bad_port).expect_err("unreachable");
    assert_eq!(err.code, Code::Unavailable, "{err}");

    let info = account_add_imap(&ctx, params("work", &user, &pass)).expect("added");
    assert_eq!(info.health.status, SyncStatus::New);
    assert_eq!(
        secrets
            .get("work", SecretKind::Password)
            .expect("secret")
            .expose(),
        pass
    );
    let in_db: i64 = ctx
        .store()
        .conn()
        .query_row(
            "SELECT count(*) FROM accounts WHERE config LIKE ?1",
            [format!("%{pass}%")],
            |r| r.get(0),
        )
        .expect("query");
    assert_eq!(in_db, 0, "the password is never in SQLite");
    let is_self: i64 = ctx
        .store()
        .conn()
        .query_row(
            "SELECT is_self FROM identities WHERE external_id = ?1",
            [format!("{user}@localhost")],
            |r| r.get(0),
        )
        .expect("identity");
    assert_eq!(is_self, 1, "the account's address is our own");

    let report = sync_account_once(&ctx, "work", &mut |_| {}).expect("sync");
    assert_eq!(report.stored(), 12);
    let listed = account_list(&ctx).expect("list");
    assert_eq!(listed[0].health.status, SyncStatus::Ok);
    assert_eq!(listed[0].health.messages, 12);
    assert!(
        listed[0]
            .health
            .streams
            .iter()
            .any(|s| s.stream == "imap:INBOX")
    );

    account_remove(&ctx, "work").expect("removed");
    assert!(
        secrets.get("work", SecretKind::Password).is_err(),
        "secret deleted"
    );
    assert!(account_list(&ctx).expect("list").is_empty());
    let err = sync_account_once(&ctx, "work", &mut |_| {}).expect_err("gone");
    assert_eq!(err.code, Code::NotFound);
    // The name is free again.
    account_add_imap(&ctx, params("work", &user, &pass)).expect("added again");
}
