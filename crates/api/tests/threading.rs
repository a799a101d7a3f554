//! The threading reproductions in the shared test data (`../shared/testdata/threading-repros`
//! next to the repository, or `$SWITCHBOARD_TESTDATA/threading-repros`; never copied into the
//! repository), imported file by file in every order, plus generated Message-ID cases.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use switchboard_api::import::{ImportParams, ImportResult, import_files};
use switchboard_api::{Ctx, FixedClock};

const T0: i64 = 1_780_000_000_000;

fn repros_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("SWITCHBOARD_TESTDATA") {
        let dir = PathBuf::from(dir);
        let repros = dir.join("threading-repros");
        return if repros.is_dir() { repros } else { dir };
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/threading-repros")
}

/// The files of one reproduction, by name; `None` (and a note) when the test data is absent.
fn repro(name: &str) -> Option<Vec<PathBuf>> {
    let dir = repros_dir().join(name);
    if !dir.is_dir() {
        println!(
            "SKIPPED threading reproduction {name}: {} not found (set SWITCHBOARD_TESTDATA)",
            dir.display()
        );
        return None;
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} holds messages", dir.display());
    Some(files)
}

fn ctx() -> (tempfile::TempDir, Ctx) {
    let dir = tempfile::tempdir().unwrap();
    switchboard_api::workspace::workspace_init(dir.path()).unwrap();
    let ctx = Ctx::open(dir.path(), Arc::new(FixedClock::new(T0))).unwrap();
    (dir, ctx)
}

/// Imports `paths` one call per file, in the given order (as an IMAP sync hands them over).
fn import_one_by_one(ctx: &Ctx, paths: &[PathBuf]) -> ImportResult {
    let mut total = ImportResult::default();
    for p in paths {
        let r = import_files(
            ctx,
            &ImportParams {
                paths: vec![p.clone()],
                self_addresses: vec!["support@shop.example".into()],
            },
            &mut |_| {},
        )
        .unwrap();
        assert!(r.failed.is_empty(), "{}: {:?}", p.display(), r.failed);
        total.imported += r.imported;
        total.duplicates += r.duplicates;
    }
    total
}

fn count(ctx: &Ctx, sql: &str) -> i64 {
    ctx.store().conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

/// Every order of `items` (the reproductions have at most four files: 24 orders).
fn permutations<T: Clone>(items: &[T]) -> Vec<Vec<T>> {
    if items.len() <= 1 {
        return vec![items.to_vec()];
    }
    let mut out = Vec::new();
    for i in 0..items.len() {
        let mut rest = items.to_vec();
        let first = rest.remove(i);
        for mut tail in permutations(&rest) {
            tail.insert(0, first.clone());
            out.push(tail);
        }
    }
    out
}

fn assert_one_thread_in_every_order(name: &str) {
    let Some(files) = repro(name) else {
        return;
    };
    for order in permutations(&files) {
        let (_d, ctx) = ctx();
        let r = import_one_by_one(&ctx, &order);
        let names: Vec<String> = order
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(r.imported as usize, files.len(), "{name} {names:?}");
        assert_eq!(
            count(&ctx, "SELECT count(DISTINCT conversation_id) FROM messages"),
            1,
            "{name}: one conversation when imported as {names:?}"
        );
        assert_eq!(
            count(
                &ctx,
                "SELECT count(DISTINCT cc.case_id) FROM messages m
                   JOIN case_conversations cc ON cc.conversation_id = m.conversation_id"
            ),
            1,
            "{name}: one case when imported as {names:?}"
        );
        assert_eq!(
            count(&ctx, "SELECT count(*) FROM cases WHERE merged_into IS NULL"),
            1,
            "{name}: no leftover case when imported as {names:?}"
        );
    }
}

#[test]
fn truncated_references_are_one_thread_in_every_order() {
    assert_one_thread_in_every_order("truncated-refs");
}

#[test]
fn replies_to_a_ghost_parent_are_one_thread_in_every_order() {
    assert_one_thread_in_every_order("ghost-parent");
}

#[test]
fn message_ids_with_spaces_are_two_messages() {
    let Some(files) = repro("spaces") else {
        return;
    };
    for order in permutations(&files) {
        let (_d, ctx) = ctx();
        let r = import_one_by_one(&ctx, &order);
        assert_eq!((r.imported, r.duplicates), (2, 0), "none dropped");
        let ids: Vec<String> = ctx
            .store()
            .conn()
            .prepare("SELECT external_id FROM messages ORDER BY external_id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(ids, ["Order1001@shop.example", "Order2002@shop.example"]);
        assert_eq!(
            count(&ctx, "SELECT count(DISTINCT conversation_id) FROM messages"),
            2,
            "two unrelated messages, two conversations"
        );
    }
}

fn message(id_header: &str, n: usize, extra: &str) -> String {
    format!(
        "{id_header}From: Ann <ann@example.org>\r\nTo: support@shop.example\r\n\
         Subject: message {n}\r\nDate: Mon, 1 Jan 2024 10:{n:02}:00 +0000\r\n{extra}\r\nbody {n}\r\n"
    )
}

#[test]
fn malformed_message_ids_never_make_two_messages_one() {
    // Each header is distinct mail; none may be dropped as a duplicate of another, and the
    // same file imported again is still recognised as the same message.
    let headers = [
        "Message-ID: <Order 1001@shop.example>\r\n",
        "Message-ID: <Order 2002@shop.example>\r\n",
        "Message-ID: Order 3003@shop.example\r\n",
        "Message-ID: order-4004@shop.example\r\n",
        "Message-ID: <>\r\n",
        "Message-ID: \r\n",
        "Message-ID: < >\r\n",
        "",
        "Message-ID: <a\u{1}b@x>\r\n",
        "Message-ID: (no id here)\r\n",
    ];
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<PathBuf> = headers
        .iter()
        .enumerate()
        .map(|(n, h)| {
            let p = dir.path().join(format!("{n:02}.eml"));
            std::fs::write(&p, message(h, n, "")).unwrap();
            p
        })
        .collect();
    let (_d, ctx) = ctx();
    let r = import_one_by_one(&ctx, &files);
    assert_eq!(
        (r.imported, r.duplicates),
        (headers.len() as u64, 0),
        "every distinct message is stored"
    );
    let again = import_one_by_one(&ctx, &files);
    assert_eq!(
        (again.imported, again.duplicates),
        (0, headers.len() as u64),
        "importing the same files again stores nothing new"
    );
    let keyed_on_hash = count(
        &ctx,
        "SELECT count(*) FROM messages WHERE external_id LIKE 'sha256:%'",
    );
    assert_eq!(
        keyed_on_hash, 6,
        "unusable ids fall back to the content hash"
    );
}

#[test]
fn a_reply_that_quotes_a_spaced_id_folded_threads_under_it() {
    let dir = tempfile::tempdir().unwrap();
    let order = dir.path().join("1.eml");
    std::fs::write(
        &order,
        message("Message-ID: <Order 1001@shop.example>\r\n", 1, ""),
    )
    .unwrap();
    let answer = dir.path().join("2.eml");
    std::fs::write(
        &answer,
        message(
            "Message-ID: <answer@example.org>\r\n",
            2,
            "In-Reply-To: <Order\r\n 1001@shop.example>\r\nReferences: <Order 1001@shop.example>\r\n",
        ),
    )
    .unwrap();
    for files in [
        vec![order.clone(), answer.clone()],
        vec![answer.clone(), order.clone()],
    ] {
        let (_d, ctx) = ctx();
        import_one_by_one(&ctx, &files);
        assert_eq!(
            count(&ctx, "SELECT count(DISTINCT conversation_id) FROM messages"),
            1
        );
    }
}
