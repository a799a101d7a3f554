//! The workspace's own addresses (`account_self_*`): changing them re-derives the direction of
//! stored mail and what follows from it, as one action that undo takes back exactly; and the
//! window's background import (`import_start` / `import_status`) with its progress events.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use switchboard_api::app::App;
use switchboard_api::history::{UndoLastParams, undo_last};
use switchboard_api::import::{ImportParams, import_files};
use switchboard_api::self_address::{
    SelfAddressParams, account_self_add, account_self_list, account_self_remove,
};
use switchboard_api::{Ctx, Entity, FixedClock, MemorySecrets, rpc};

const T0: i64 = 1_780_000_000_000;

fn ctx() -> (tempfile::TempDir, Ctx) {
    let dir = tempfile::tempdir().unwrap();
    switchboard_api::workspace::workspace_init(dir.path()).unwrap();
    let ctx = Ctx::open(dir.path(), Arc::new(FixedClock::new(T0))).unwrap();
    (dir, ctx)
}

fn eml(id: &str, from: &str, to: &str, subject: &str, date: &str, extra: &str) -> String {
    format!(
        "Message-ID: <{id}>\r\nFrom: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: {date}\r\n{extra}\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello.\r\n"
    )
}

/// A customer's question and the shop's answer, and a conversation the shop started.
fn shop_mail(dir: &Path) -> Vec<PathBuf> {
    let files = [
        (
            "q.eml",
            eml(
                "q@ann",
                "Ann <ann@customer.example>",
                "help@shop.example",
                "Broken lamp",
                "Mon, 01 Jun 2026 09:00:00 +0000",
                "",
            ),
        ),
        (
            "a.eml",
            eml(
                "a@shop",
                "Shop <help@shop.example>",
                "Ann <ann@customer.example>",
                "Re: Broken lamp",
                "Mon, 01 Jun 2026 10:00:00 +0000",
                "In-Reply-To: <q@ann>\r\nReferences: <q@ann>\r\n",
            ),
        ),
        (
            "s.eml",
            eml(
                "s@shop",
                "Shop <help@shop.example>",
                "Bob <bob@customer.example>",
                "Your order has shipped",
                "Tue, 02 Jun 2026 08:00:00 +0000",
                "",
            ),
        ),
    ];
    files
        .iter()
        .map(|(name, body)| {
            let p = dir.join(name);
            std::fs::write(&p, body).unwrap();
            p
        })
        .collect()
}

/// Every row the change may touch, to compare before and after undo.
fn rows(ctx: &Ctx) -> Value {
    let store = ctx.store();
    let conn = store.conn();
    let dump = |sql: &str| -> Value {
        let mut stmt = conn.prepare(sql).unwrap();
        let n = stmt.column_count();
        let out: Vec<Value> = stmt
            .query_map([], |r| {
                let mut row = Vec::new();
                for i in 0..n {
                    let v: rusqlite::types::Value = r.get(i)?;
                    row.push(match v {
                        rusqlite::types::Value::Integer(i) => json!(i),
                        rusqlite::types::Value::Text(t) => json!(t),
                        rusqlite::types::Value::Null => Value::Null,
                        other => json!(format!("{other:?}")),
                    });
                }
                Ok(Value::Array(row))
            })
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        Value::Array(out)
    };
    json!({
        "messages": dump("SELECT id, direction, unread FROM messages ORDER BY id"),
        "cases": dump("SELECT * FROM cases ORDER BY id"),
        "conversations": dump("SELECT * FROM conversations ORDER BY id"),
        "clocks": dump("SELECT * FROM response_clocks ORDER BY id"),
        "breaches": dump("SELECT * FROM sla_breaches ORDER BY id"),
        "identities": dump("SELECT * FROM identities ORDER BY id"),
        "contacts": dump("SELECT * FROM contacts ORDER BY id"),
    })
}

fn case_of(ctx: &Ctx, subject: &str) -> (i64, String, Option<i64>, Option<String>) {
    ctx.store()
        .conn()
        .query_row(
            "SELECT c.id, c.status, c.first_response_at,
                    (SELECT i.external_id FROM identities i WHERE i.contact_id = c.contact_id
                      ORDER BY i.id LIMIT 1)
               FROM cases c WHERE c.subject = ?1",
            [subject],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap()
}

fn directions(ctx: &Ctx) -> Vec<String> {
    let store = ctx.store();
    let mut stmt = store
        .conn()
        .prepare("SELECT direction FROM messages ORDER BY sent_at")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

fn add(ctx: &Ctx, a: &str) -> switchboard_api::self_address::SelfAddressChange {
    account_self_add(
        ctx,
        &SelfAddressParams {
            addresses: vec![a.into()],
        },
    )
    .unwrap()
}

#[test]
fn shop_mail_imported_without_self_becomes_outbound_and_undo_restores_every_row() {
    let (dir, ctx) = ctx();
    let paths = shop_mail(dir.path());
    import_files(
        &ctx,
        &ImportParams {
            paths,
            self_addresses: vec![],
        },
        &mut |_| {},
    )
    .unwrap();
    // Without --self the shop's own mail reads as a customer writing.
    assert_eq!(directions(&ctx), ["inbound", "inbound", "inbound"]);
    let (_, status, first, _) = case_of(&ctx, "Broken lamp");
    assert_eq!((status.as_str(), first), ("new", None));
    let (_, _, _, customer) = case_of(&ctx, "Your order has shipped");
    assert_eq!(customer.as_deref(), Some("help@shop.example"));
    let before = rows(&ctx);

    let c = add(&ctx, " Help@Shop.example ");
    assert_eq!(c.addresses, ["help@shop.example"]);
    assert_eq!(
        c.summary,
        "1 address; 2 messages now marked sent by you in 2 conversations"
    );
    assert_eq!(directions(&ctx), ["inbound", "outbound", "outbound"]);
    let (_, status, first, customer) = case_of(&ctx, "Broken lamp");
    assert_eq!(status, "waiting", "the shop answered last");
    assert_eq!(
        first,
        Some(1_780_308_000_000),
        "first response: the shop's reply"
    );
    assert_eq!(customer.as_deref(), Some("ann@customer.example"));
    let (_, status, _, customer) = case_of(&ctx, "Your order has shipped");
    assert_eq!(
        customer.as_deref(),
        Some("bob@customer.example"),
        "the shop is no longer its own customer"
    );
    assert_eq!(status, "waiting");
    assert_eq!(
        account_self_list(&ctx, &Default::default())
            .unwrap()
            .addresses,
        ["help@shop.example"]
    );

    // Adding it again changes nothing and is no new action.
    let again = add(&ctx, "help@shop.example");
    assert!(
        again.summary.contains("nothing changed"),
        "{}",
        again.summary
    );

    let undone = undo_last(&ctx, &UndoLastParams::default()).unwrap();
    assert_eq!(undone.kind, "self_addresses");
    assert!(
        undone.summary.contains("help@shop.example added"),
        "{}",
        undone.summary
    );
    assert!(
        undone.restored.contains("no longer yours"),
        "{}",
        undone.restored
    );
    assert_eq!(rows(&ctx), before, "undo puts every row back exactly");
}

#[test]
fn removing_an_address_makes_its_mail_a_customers_again() {
    let (dir, ctx) = ctx();
    import_files(
        &ctx,
        &ImportParams {
            paths: shop_mail(dir.path()),
            self_addresses: vec!["help@shop.example".into()],
        },
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(directions(&ctx), ["inbound", "outbound", "outbound"]);
    let (_, status, first, _) = case_of(&ctx, "Broken lamp");
    assert_eq!((status.as_str(), first.is_some()), ("waiting", true));
    let before = rows(&ctx);

    let err = account_self_remove(
        &ctx,
        &SelfAddressParams {
            addresses: vec!["nobody@shop.example".into()],
        },
    )
    .unwrap_err();
    assert!(err.message.contains("not one of your addresses"), "{err:?}");

    let c = account_self_remove(
        &ctx,
        &SelfAddressParams {
            addresses: vec!["help@shop.example".into()],
        },
    )
    .unwrap();
    assert_eq!(
        c.summary,
        "0 addresses; 2 messages now marked from customers in 2 conversations"
    );
    assert_eq!(directions(&ctx), ["inbound", "inbound", "inbound"]);
    let (_, status, first, _) = case_of(&ctx, "Broken lamp");
    assert_eq!((status.as_str(), first), ("open", None));

    undo_last(&ctx, &UndoLastParams::default()).unwrap();
    assert_eq!(rows(&ctx), before);
}

#[test]
fn a_bad_address_is_refused() {
    let (_dir, ctx) = ctx();
    let err = account_self_add(
        &ctx,
        &SelfAddressParams {
            addresses: vec!["not an address".into()],
        },
    )
    .unwrap_err();
    assert!(err.message.contains("not an email address"), "{err:?}");
}

#[tokio::test]
async fn a_background_import_reports_progress_through_the_change_feed_and_ends_with_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(
        dir.path(),
        Arc::new(FixedClock::new(T0)),
        Arc::new(MemorySecrets::default()),
    )
    .unwrap();
    let mail = tempfile::tempdir().unwrap();
    let paths = shop_mail(mail.path());
    std::fs::write(mail.path().join("notes.txt"), "not mail").unwrap();
    let feed = app.subscribe();

    let err = rpc::call(
        &app,
        "import_start",
        json!({ "paths": [mail.path().join("missing.mbox")] }),
    )
    .await
    .unwrap_err();
    assert!(err.message.contains("no such file or folder"), "{err:?}");

    let job = rpc::call(
        &app,
        "import_start",
        json!({ "paths": [mail.path()], "self_addresses": ["help@shop.example"] }),
    )
    .await
    .unwrap();
    let id = job["id"].as_i64().unwrap();
    assert_eq!(job["paths"], json!([mail.path()]));

    // The job announces itself as entity `import` with its id; the last announcement comes
    // when it is done.
    let deadline = Instant::now() + Duration::from_secs(60);
    let done = loop {
        let change = feed
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("the import announces its progress");
        if !change.ids(Entity::Import).contains(&id) {
            continue;
        }
        let status = rpc::call(&app, "import_status", json!({ "id": id }))
            .await
            .unwrap();
        if status["running"] == json!(false) {
            break status;
        }
    };
    assert_eq!(done["error"], Value::Null);
    assert_eq!(
        done["summary"],
        json!(
            "Imported 3 messages (2 new cases, 0 reopened); 0 duplicates skipped; 1 file not imported (no mail in it); 0 failed."
        )
    );
    assert_eq!(done["progress"]["imported"], json!(3));
    assert_eq!(done["progress"]["read"], json!(3));
    assert!(
        paths
            .iter()
            .any(|p| done["progress"]["current"] == json!(p.display().to_string())),
        "{done}"
    );
    let skipped = &done["result"]["skipped"][0];
    assert!(
        skipped["origin"].as_str().unwrap().ends_with("notes.txt"),
        "{skipped}"
    );
    assert!(!skipped["reason"].as_str().unwrap().is_empty());
    // --self from the window did what `account self add` does.
    let own = rpc::call(&app, "account_self_list", json!({}))
        .await
        .unwrap();
    assert_eq!(own["addresses"], json!(["help@shop.example"]));

    let missing = rpc::call(&app, "import_status", json!({ "id": 99 }))
        .await
        .unwrap_err();
    assert_eq!(missing.code, switchboard_api::Code::NotFound);
}
