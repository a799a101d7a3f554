//! Import through the API: generated corpora (threads, charsets, HTML-only, attachments,
//! duplicates, missing Message-ID) and the shared real-world/malformed corpus.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use switchboard_api::case::{ListCasesParams, case_list, case_show};
use switchboard_api::import::{ImportParams, ImportResult, import_files};
use switchboard_api::{Ctx, FixedClock};

const T0: i64 = 1_780_000_000_000;

fn ctx() -> (tempfile::TempDir, Ctx) {
    let dir = tempfile::tempdir().unwrap();
    switchboard_api::workspace::workspace_init(dir.path()).unwrap();
    let ctx = Ctx::open(dir.path(), Arc::new(FixedClock::new(T0))).unwrap();
    (dir, ctx)
}

fn import(ctx: &Ctx, paths: &[PathBuf]) -> ImportResult {
    import_files(
        ctx,
        &ImportParams {
            paths: paths.to_vec(),
            self_addresses: vec!["help@shop.example".into()],
        },
        &mut |_| {},
    )
    .unwrap()
}

fn eml(
    id: Option<&str>,
    from: &str,
    to: &str,
    subject: &str,
    date: &str,
    extra: &str,
    body: &str,
) -> String {
    let mut s = String::new();
    if let Some(id) = id {
        s.push_str(&format!("Message-ID: <{id}>\r\n"));
    }
    s.push_str(&format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: {date}\r\n{extra}MIME-Version: 1.0\r\n"
    ));
    if !body.starts_with("Content-Type") {
        s.push_str("Content-Type: text/plain; charset=utf-8\r\n\r\n");
    }
    s.push_str(body);
    s
}

fn write(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

fn all_cases(ctx: &Ctx) -> Vec<switchboard_store::cases::CaseSummary> {
    case_list(ctx, &ListCasesParams::default()).unwrap().cases
}

#[test]
fn a_thread_split_across_files_and_formats_becomes_one_case() {
    let (_d, ctx) = ctx();
    let input = tempfile::tempdir().unwrap();
    let q = eml(
        Some("q1@ann"),
        "Ann Lee <ann@example.com>",
        "help@shop.example",
        "Mug arrived broken",
        "Mon, 01 Jun 2026 09:00:00 +0000",
        "",
        "The handle snapped off.\r\n",
    );
    let a = eml(
        Some("a1@shop"),
        "Shop <help@shop.example>",
        "ann@example.com",
        "Re: Mug arrived broken",
        "Mon, 01 Jun 2026 10:00:00 +0000",
        "In-Reply-To: <q1@ann>\r\nReferences: <q1@ann>\r\n",
        "Sorry! A new one is on its way.\r\n",
    );
    let b = eml(
        Some("q2@ann"),
        "Ann Lee <ann@example.com>",
        "help@shop.example",
        "Re: Mug arrived broken",
        "Tue, 02 Jun 2026 08:00:00 +0000",
        "In-Reply-To: <a1@shop>\r\nReferences: <q1@ann> <a1@shop>\r\n",
        "Thanks, but it has not arrived.\r\n",
    );
    // The reply first, in an mbox; the rest as loose files.
    let mbox = format!(
        "From help@shop.example Mon Jun  1 10:00:00 2026\n{}\n",
        a.replace("\r\n", "\n")
    );
    let paths = vec![
        write(input.path(), "answer.mbox", mbox.as_bytes()),
        write(input.path(), "q2.eml", b.as_bytes()),
        write(input.path(), "q1.eml", q.as_bytes()),
    ];
    let r = import(&ctx, &paths);
    assert_eq!(
        (r.imported, r.duplicates, r.failed.len()),
        (3, 0, 0),
        "{r:?}"
    );
    let cases = all_cases(&ctx);
    assert_eq!(cases.len(), 1, "three messages of one thread are one case");
    let c = &cases[0];
    assert_eq!(c.message_count, 3);
    assert_eq!(
        c.status.as_str(),
        "open",
        "the customer wrote last, so the next move is ours"
    );
    assert_eq!(
        c.contact.as_ref().and_then(|k| k.address.as_deref()),
        Some("ann@example.com")
    );
    let detail = case_show(&ctx, c.id).unwrap();
    let order: Vec<&str> = detail
        .messages
        .iter()
        .map(|m| m.external_id.as_str())
        .collect();
    assert_eq!(
        order,
        ["q1@ann", "a1@shop", "q2@ann"],
        "messages in date order, whatever the file order"
    );
    assert_eq!(
        detail.messages[1].direction, "outbound",
        "mail from a --self address is our reply"
    );

    let again = import(&ctx, &paths);
    assert_eq!(
        (again.imported, again.duplicates),
        (0, 3),
        "importing twice adds nothing"
    );
    assert_eq!(all_cases(&ctx).len(), 1);
}

#[test]
fn odd_mail_is_stored_and_bad_files_are_reported_while_the_rest_imports() {
    let (_d, ctx) = ctx();
    let input = tempfile::tempdir().unwrap();
    let latin1_subject = eml(
        Some("l1@x"),
        "=?ISO-8859-1?Q?Jos=E9?= <jose@example.com>",
        "help@shop.example",
        "=?ISO-8859-1?Q?Caf=E9_cr=E8me_manquant?=",
        "Wed, 03 Jun 2026 09:00:00 +0000",
        "",
        "Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nIl manque la cr=E8me.\r\n",
    );
    let html_only = eml(
        Some("h1@x"),
        "Bo <bo@example.com>",
        "help@shop.example",
        "Where is my order",
        "Wed, 03 Jun 2026 10:00:00 +0000",
        "",
        "Content-Type: text/html; charset=utf-8\r\n\r\n<p>Order <b>#991</b> is late</p><img src=\"https://tracker.example/px.gif\"><script>alert(1)</script>\r\n",
    );
    let no_id = eml(
        None,
        "Cy <cy@example.com>",
        "help@shop.example",
        "No id here",
        "Wed, 03 Jun 2026 11:00:00 +0000",
        "",
        "I have no Message-ID.\r\n",
    );
    let attachment = eml(
        Some("att@x"),
        "Di <di@example.com>",
        "help@shop.example",
        "Photo of the damage",
        "Wed, 03 Jun 2026 12:00:00 +0000",
        "",
        "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nSee photo.\r\n--b1\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=\"../../etc/passwd.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--b1--\r\n",
    );
    let paths = vec![
        write(input.path(), "latin1.eml", latin1_subject.as_bytes()),
        write(input.path(), "html.eml", html_only.as_bytes()),
        write(input.path(), "noid.eml", no_id.as_bytes()),
        write(input.path(), "noid-copy.eml", no_id.as_bytes()),
        write(input.path(), "attachment.eml", attachment.as_bytes()),
        write(input.path(), "empty.eml", b""),
        write(input.path(), "broken.mbox", b"this is not an mbox\n"),
    ];
    let r = import(&ctx, &paths);
    assert_eq!(r.imported, 4, "{r:?}");
    assert_eq!(
        r.duplicates, 1,
        "the same message without Message-ID is recognised by its bytes"
    );
    let failed: Vec<(&str, &str)> = r
        .failed
        .iter()
        .map(|f| {
            (
                Path::new(&f.origin).file_name().unwrap().to_str().unwrap(),
                f.reason.as_str(),
            )
        })
        .collect();
    assert_eq!(failed.len(), 2, "{failed:?}");
    assert!(
        failed
            .iter()
            .any(|(o, why)| *o == "empty.eml" && why.contains("empty")),
        "{failed:?}"
    );
    assert!(
        failed
            .iter()
            .any(|(o, why)| *o == "broken.mbox" && why.contains("mbox")),
        "{failed:?}"
    );

    let cases = all_cases(&ctx);
    let by_subject = |s: &str| {
        cases
            .iter()
            .find(|c| c.subject.as_deref() == Some(s))
            .unwrap()
            .id
    };
    let latin = case_show(&ctx, by_subject("Café crème manquant")).unwrap();
    assert!(
        latin.messages[0].text.contains("Il manque la crème"),
        "charset decoded"
    );
    let html = case_show(&ctx, by_subject("Where is my order")).unwrap();
    let m = &html.messages[0];
    assert!(
        m.text.contains("#991"),
        "text derived from HTML-only mail: {:?}",
        m.text
    );
    let h = m.html.as_deref().unwrap();
    assert!(!h.contains("<script"), "scripts never reach the store: {h}");
    assert!(
        m.has_remote_content,
        "the tracking pixel is flagged as remote content"
    );
    let att = case_show(&ctx, by_subject("Photo of the damage")).unwrap();
    let a = &att.messages[0].attachments[0];
    assert!(
        !a.filename.as_deref().unwrap_or("").contains('/'),
        "no path in a stored filename"
    );
    let on_disk = switchboard_store::attachments::path_for(ctx.data_dir(), &a.sha256);
    assert!(on_disk.starts_with(ctx.data_dir().join("attachments")) && on_disk.exists());

    let quarantined: i64 = ctx
        .store()
        .conn()
        .query_row("SELECT count(*) FROM quarantine", [], |r| r.get(0))
        .unwrap();
    assert_eq!(quarantined, 2, "failures are kept with their reasons");
}

#[test]
fn a_missing_path_is_an_error_naming_it_and_stores_nothing() {
    let (_d, ctx) = ctx();
    let err = import_files(
        &ctx,
        &ImportParams {
            paths: vec![PathBuf::from("/nonexistent/mail.mbox")],
            self_addresses: vec![],
        },
        &mut |_| {},
    )
    .unwrap_err();
    assert_eq!(err.code, switchboard_api::Code::NotFound);
    assert!(
        err.message.contains("/nonexistent/mail.mbox"),
        "{}",
        err.message
    );
}

fn testdata_dir() -> Option<PathBuf> {
    let p = std::env::var_os("SWITCHBOARD_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/eml")
        });
    p.is_dir().then_some(p)
}

#[test]
fn the_shared_real_world_corpus_imports_without_a_panic() {
    let Some(dir) = testdata_dir() else {
        println!(
            "SKIPPED corpus import test: ../shared/testdata/eml not found (set SWITCHBOARD_TESTDATA)"
        );
        return;
    };
    let mut files = Vec::new();
    let mut stack = vec![dir.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "eml") {
                files.push(p);
            }
        }
    }
    files.sort();
    assert!(!files.is_empty());
    let (_d, ctx) = ctx();
    let r = import(&ctx, &files);
    println!(
        "corpus: {} files: {} imported, {} duplicates, {} failed",
        files.len(),
        r.imported,
        r.duplicates,
        r.failed.len()
    );
    for f in &r.failed {
        println!("  failed: {}: {}", f.origin, f.reason);
        assert!(!f.reason.trim().is_empty(), "every failure says why");
    }
    assert_eq!(
        r.imported + r.duplicates + r.failed.len() as u64,
        files.len() as u64,
        "every file is stored, recognised as a duplicate, or reported"
    );
    let ok: String = ctx
        .store()
        .conn()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    // Every stored case can be shown and exported, automated mail (the corpus has mailing-list
    // posts) included.
    let automated = case_list(
        &ctx,
        &ListCasesParams {
            automated: Some(true),
            ..Default::default()
        },
    )
    .unwrap()
    .cases;
    assert!(
        !automated.is_empty(),
        "the corpus's mailing-list post is automated mail"
    );
    for c in all_cases(&ctx).iter().chain(&automated) {
        case_show(&ctx, c.id).unwrap();
    }
    let mut sink = Vec::new();
    switchboard_api::export::export_cases(
        &ctx,
        switchboard_api::export::ExportFormat::Json,
        &mut sink,
    )
    .unwrap();
    let parsed: serde_json::Value = serde_json::from_slice(&sink).unwrap();
    assert_eq!(
        parsed["cases"].as_array().unwrap().len(),
        all_cases(&ctx).len() + automated.len()
    );
}

#[test]
fn snooze_and_status_through_the_api_use_the_injected_clock() {
    let (_d, ctx) = ctx();
    let input = tempfile::tempdir().unwrap();
    let p = write(
        input.path(),
        "a.eml",
        eml(
            Some("s@x"),
            "ann@example.com",
            "help@shop.example",
            "Hi",
            "Mon, 01 Jun 2026 09:00:00 +0000",
            "",
            "hello\r\n",
        )
        .as_bytes(),
    );
    import(&ctx, &[p]);
    let id = all_cases(&ctx)[0].id;
    use switchboard_api::case::{SetStatusParams, case_set_status};
    let past = case_set_status(
        &ctx,
        &SetStatusParams {
            case_id: id,
            status: "snoozed".into(),
            snooze_until: Some(T0 - 1),
            until_reply: false,
        },
    );
    assert_eq!(
        past.unwrap_err().code,
        switchboard_api::Code::InvalidInput,
        "a wake-up in the past is refused"
    );
    let bad = case_set_status(
        &ctx,
        &SetStatusParams {
            case_id: id,
            status: "closed".into(),
            snooze_until: None,
            until_reply: false,
        },
    );
    assert!(bad.unwrap_err().message.contains("closed"));
    let ok = case_set_status(
        &ctx,
        &SetStatusParams {
            case_id: id,
            status: "snoozed".into(),
            snooze_until: Some(T0 + 1000),
            until_reply: false,
        },
    )
    .unwrap();
    assert!(ok.changed);
    let unknown = case_set_status(
        &ctx,
        &SetStatusParams {
            case_id: 999,
            status: "open".into(),
            snooze_until: None,
            until_reply: false,
        },
    );
    assert_eq!(unknown.unwrap_err().code, switchboard_api::Code::NotFound);
}

/// A message file for the Maildir tests: a unique id and subject per call.
fn simple(id: &str, subject: &str) -> Vec<u8> {
    eml(
        Some(id),
        "Ann Lee <ann@example.com>",
        "help@shop.example",
        subject,
        "Mon, 01 Jun 2026 09:00:00 +0000",
        "",
        "Hello.\r\n",
    )
    .into_bytes()
}

fn put(path: &Path, content: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

#[test]
fn both_maildir_sub_folder_layouts_import_and_everything_else_is_reported() {
    let (_d, ctx) = ctx();
    let input = tempfile::tempdir().unwrap();
    let root = input.path().join("Maildir");
    put(&root.join("cur/1:2,S"), &simple("1@x", "Inbox"));
    put(&root.join(".Sent/cur/2:2,S"), &simple("2@x", "Maildir++"));
    put(&root.join("Archive/cur/3:2,S"), &simple("3@x", "fs layout"));
    put(
        &root.join("Archive/2025/new/4"),
        &simple("4@x", "fs, deeper"),
    );
    put(&root.join("tmp/5"), &simple("5@x", "still arriving"));
    put(&root.join("dovecot-uidlist"), b"3 V1 N4\n");
    put(&root.join("Archive/notes"), b"not mail at all\n");

    let r = import(&ctx, std::slice::from_ref(&root));
    assert_eq!(
        (r.imported, r.duplicates, r.failed.len()),
        (4, 0, 0),
        "{r:?}"
    );
    let skipped: Vec<(String, &str)> = r
        .skipped
        .iter()
        .map(|s| {
            let rel = Path::new(&s.origin).strip_prefix(&root).unwrap();
            (rel.display().to_string(), s.reason.as_str())
        })
        .collect();
    assert_eq!(
        skipped,
        vec![
            (
                "tmp/5".to_string(),
                "in a Maildir's tmp/: a delivery still being written"
            ),
            (
                "dovecot-uidlist".to_string(),
                "a mail server's index or bookkeeping file, not a message"
            ),
            (
                "Archive/notes".to_string(),
                "not an email: its first line is not a header"
            ),
        ],
        "every file not imported is named with its reason"
    );
    let subjects: std::collections::BTreeSet<String> = all_cases(&ctx)
        .into_iter()
        .filter_map(|c| c.subject)
        .collect();
    assert_eq!(
        subjects,
        ["Inbox", "Maildir++", "fs layout", "fs, deeper"]
            .map(String::from)
            .into(),
    );
}

#[test]
fn the_shared_sub_maildir_reproduction_imports_both_messages() {
    let testdata = std::env::var_os("SWITCHBOARD_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata"));
    let dir = testdata.join("threading-repros/submaildir");
    if !dir.is_dir() {
        println!(
            "SKIPPED sub-Maildir reproduction: {} not found (set SWITCHBOARD_TESTDATA)",
            dir.display()
        );
        return;
    }
    let (_d, ctx) = ctx();
    let r = import(&ctx, &[dir]);
    assert_eq!(
        (r.imported, r.duplicates, r.failed.len(), r.skipped.len()),
        (2, 0, 0, 0),
        "{r:?}"
    );
}

#[cfg(unix)]
#[test]
fn a_maildir_linked_into_itself_imports_once_and_reports_the_links() {
    let (_d, ctx) = ctx();
    let input = tempfile::tempdir().unwrap();
    let root = input.path().join("Maildir");
    put(&root.join("cur/1:2,S"), &simple("1@x", "One"));
    put(&root.join(".Sent/cur/2:2,S"), &simple("2@x", "Two"));
    std::os::unix::fs::symlink(".", root.join(".A")).unwrap();
    std::os::unix::fs::symlink(".", root.join(".B")).unwrap();
    let r = import(&ctx, std::slice::from_ref(&root));
    assert_eq!((r.imported, r.duplicates), (2, 0), "{r:?}");
    assert_eq!(r.skipped.len(), 2, "{r:?}");
    assert!(
        r.skipped.iter().all(|s| s.reason.contains("already read")),
        "{r:?}"
    );
}

#[test]
fn messages_larger_than_the_in_flight_cap_import_in_order() {
    // Each message is over half the cap: the pipeline must still move (one at a time) and
    // store them in the order found.
    use switchboard_api::import::IN_FLIGHT_BYTES;
    let (_d, ctx) = ctx();
    let input = tempfile::tempdir().unwrap();
    let big = "x".repeat(76);
    let lines = (IN_FLIGHT_BYTES as usize * 3 / 4) / 78;
    let mut mbox = Vec::new();
    for i in 0..3 {
        mbox.extend_from_slice(
            format!(
                "From a@b Mon Jun  1 09:00:00 2026\nMessage-ID: <big{i}@x>\nFrom: Ann <ann@example.com>\nTo: help@shop.example\nSubject: Big {i}\nDate: Mon, 01 Jun 2026 09:0{i}:00 +0000\n\n"
            )
            .as_bytes(),
        );
        for _ in 0..lines {
            mbox.extend_from_slice(big.as_bytes());
            mbox.extend_from_slice(b"\r\n");
        }
        mbox.push(b'\n');
    }
    let path = write(input.path(), "big.mbox", &mbox);
    drop(mbox);
    let r = import(&ctx, &[path]);
    assert_eq!((r.imported, r.failed.len()), (3, 0), "{r:?}");
    let ids: Vec<i64> = ctx
        .store()
        .conn()
        .prepare("SELECT external_id FROM messages ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|id| id.unwrap()[3..4].parse().unwrap())
        .collect();
    assert_eq!(ids, vec![0, 1, 2], "stored in the order found");
}
