//! A database created at every earlier schema version migrates to the newest with its data.

use rusqlite::Connection;
use switchboard_store::{DB_FILE, Store, migrate};

/// Rows that are valid at schema `version`, written the way that version's code would have.
fn seed_at(conn: &Connection, version: i64) {
    if version >= 1 {
        conn.execute_batch(
            "INSERT INTO accounts (id, kind, name, created_at) VALUES (1, 'archive', 'archive', 1);
             INSERT INTO contacts (id, display_name, created_at, updated_at) VALUES (1, 'Ann', 1, 1);
             INSERT INTO identities (contact_id, channel, external_id, created_at) VALUES (1, 'email', 'ann@example.com', 1);
             INSERT INTO conversations (id, account_id, channel, external_id, visibility, created_at) VALUES (1, 1, 'email', 'm1', 'private', 1);
             INSERT INTO messages (id, account_id, conversation_id, external_id, channel, direction, sent_at, received_at) VALUES (1, 1, 1, 'm1', 'email', 'inbound', 1, 1);
             INSERT INTO message_bodies (search_rowid, message_id, subject, text) VALUES (1, 1, 'Broken mug', 'the handle fell off');
             INSERT INTO cases (id, subject, contact_id, created_at, updated_at) VALUES (1, 'Broken mug', 1, 1, 1);
             INSERT INTO case_conversations VALUES (1, 1, 1);
             INSERT INTO root_causes (id, name, created_at) VALUES (1, 'Packaging', 1);
             INSERT INTO case_root_causes VALUES (1, 1, 1);
             INSERT INTO notes (case_id, body, author, created_at) VALUES (1, 'courier lost it', 'Alex', 1);",
        )
        .unwrap();
    }
    if version >= search_notes_version() {
        // From here the index has sender and recipient columns, filled from a view.
        conn.execute_batch(
            "INSERT INTO message_search(rowid, subject, sender, recipients, text)
             SELECT search_rowid, subject, sender, recipients, text FROM message_search_source;",
        )
        .unwrap();
    } else if version >= 3 {
        // From version 3 the FTS row is written by Store::write at commit, not by a trigger.
        conn.execute_batch(
            "INSERT INTO message_search(rowid, subject, participants, text)
             SELECT search_rowid, subject, participants, text FROM message_bodies;",
        )
        .unwrap();
    }
}

/// The version that split the search index's participants into sender and recipients and
/// indexed notes (found by name: versions are renumbered when branches merge).
fn search_notes_version() -> i64 {
    migrate::MIGRATIONS
        .iter()
        .position(|(name, _)| *name == "0011_search_notes")
        .expect("the migration exists") as i64
        + 1
}

#[test]
fn every_earlier_version_migrates_to_the_newest() {
    let latest = migrate::latest_version();
    assert!(latest >= 1);
    for version in 0..=latest {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
            migrate::migrate_to(&mut conn, version).unwrap();
            let at: i64 = conn
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .unwrap();
            assert_eq!(at, version);
            seed_at(&conn, version);
        }
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(
            store.schema_version().unwrap(),
            latest,
            "from version {version}"
        );
        let ok: String = store
            .conn()
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ok, "ok");
        let fk_problems: i64 = store
            .conn()
            .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(fk_problems, 0);
        if version >= 1 {
            let hits: i64 = store
                .conn()
                .query_row(
                    "SELECT count(*) FROM message_search WHERE message_search MATCH 'handle'",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(
                hits, 1,
                "data written at version {version} is still found after migrating"
            );
            let notes: i64 = store
                .conn()
                .query_row(
                    "SELECT count(*) FROM note_search WHERE note_search MATCH 'courier'",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(
                notes, 1,
                "a note written at version {version} is searchable after migrating"
            );
        }
    }
}

#[test]
fn a_database_from_a_newer_build_is_refused_not_misread() {
    let dir = tempfile::tempdir().unwrap();
    {
        let conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
        conn.pragma_update(None, "user_version", migrate::latest_version() + 1)
            .unwrap();
    }
    let err = Store::open(dir.path()).err().expect("refused");
    assert!(err.to_string().contains("newer than this build"), "{err}");
}

#[cfg(unix)]
#[test]
fn the_database_file_is_private_to_the_user() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    Store::open(&data).unwrap();
    let mode = std::fs::metadata(data.join(DB_FILE))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    let dmode = std::fs::metadata(&data).unwrap().permissions().mode() & 0o777;
    assert_eq!(dmode, 0o700);
}

#[test]
fn repeat_pairs_become_the_flag_on_the_case_and_the_pair_table_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
        migrate::migrate_to(&mut conn, 7).unwrap();
        seed_at(&conn, 7);
        // Four cases of Ann: 2 repeats 1; 3 repeats 1 and 2; 4 repeats 1, 2, 3 (as 0005 stored
        // them, every earlier case); case 5 is another contact's.
        conn.execute_batch(
            "INSERT INTO contacts (id, display_name, created_at, updated_at) VALUES (2, 'Bo', 1, 1);
             INSERT INTO cases (id, subject, contact_id, created_at, updated_at) VALUES
               (2, 'b', 1, 20, 20), (3, 'c', 1, 30, 30), (4, 'd', 1, 40, 40), (5, 'e', 2, 50, 50);
             INSERT INTO case_repeats VALUES (2, 1, 20), (3, 1, 30), (3, 2, 30),
               (4, 1, 40), (4, 2, 40), (4, 3, 40);",
        )
        .unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    let rows: Vec<(i64, Option<i64>, i64)> = store
        .conn()
        .prepare("SELECT id, repeat_of, repeat_count FROM cases ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        rows,
        vec![
            (1, None, 0),
            (2, Some(1), 1),
            (3, Some(2), 2),
            (4, Some(3), 3),
            (5, None, 0)
        ]
    );
    let pairs_left: i64 = store
        .conn()
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'case_repeats'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(pairs_left, 0);
    assert!(
        switchboard_store::cases::summary(store.conn(), 4)
            .unwrap()
            .repeat
    );
    assert!(
        !switchboard_store::cases::summary(store.conn(), 1)
            .unwrap()
            .repeat
    );
}

#[test]
fn an_earlier_take_offline_gets_its_status_line_and_the_acknowledgement_its_route() {
    // A version-7 database: a take-offline (event 3) whose lifecycle status line (event 2) was
    // recorded as a separate user action, already undone (event 4) without that line; and a
    // user's own status change (event 1) that must stay an action of its own.
    let dir = tempfile::tempdir().unwrap();
    {
        let mut conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
        migrate::migrate_to(&mut conn, 7).unwrap();
        seed_at(&conn, 7);
        conn.execute_batch(
            r#"INSERT INTO events (id, case_id, at, actor, kind, data) VALUES
                 (1, 1, 10, 'user', 'status', '{"from":"new","to":"open","undo":{"op":"many","args":[]}}'),
                 (2, 1, 20, 'user', 'status', '{"from":"open","to":"waiting","because":"outbound message"}'),
                 (3, 1, 20, 'user', 'taken_offline', '{"via":"phone","undo":{"op":"many","args":[]}}'),
                 (4, 1, 30, 'user', 'undo', '{"event_id":3}');
               UPDATE events SET undone_by = 4 WHERE id = 3;"#,
        )
        .unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    let row = |id: i64| -> (Option<i64>, Option<i64>) {
        store
            .conn()
            .query_row(
                "SELECT json_extract(data, '$.part_of'), undone_by FROM events WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
    };
    assert_eq!(
        row(2),
        (Some(3), Some(4)),
        "part of the take-offline, undone with it"
    );
    assert_eq!(row(1), (None, None), "an action of its own is left alone");
    let body: String = store
        .conn()
        .query_row(
            "SELECT v.body FROM template_variants v JOIN templates t ON t.id = v.template_id
              WHERE t.name = 'Take offline acknowledgement' AND v.variant = 'public'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        body,
        "Hi {first_name}, sorry about this — {offline_route} to sort it out. {case_ref}"
    );
}

/// The version that classified automated mail (found by name, like [`search_notes_version`]).
fn automated_version() -> i64 {
    migrate::MIGRATIONS
        .iter()
        .position(|(name, _)| *name == "0015_automated")
        .expect("the migration exists") as i64
        + 1
}

#[test]
fn existing_mail_from_machine_senders_is_classified_on_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
        migrate::migrate_to(&mut conn, automated_version() - 1).unwrap();
        seed_at(&conn, automated_version() - 1);
        // Case 2: two shop notifications. Case 3: a notification a customer answered.
        // Case 4: our own mail to a no-reply address.
        conn.execute_batch(
            "INSERT INTO contacts (id, display_name, created_at, updated_at) VALUES (2, 'Shop', 1, 1);
             INSERT INTO identities (id, contact_id, channel, external_id, created_at)
               VALUES (20, 2, 'email', 'NoReply+Orders@Shop.example', 1),
                      (21, 2, 'email', 'norene@shop.example', 1);
             INSERT INTO conversations (id, account_id, channel, external_id, visibility, created_at)
               VALUES (2, 1, 'email', 'n1', 'private', 1), (3, 1, 'email', 'n3', 'private', 1),
                      (4, 1, 'email', 'n5', 'private', 1);
             INSERT INTO messages (id, account_id, conversation_id, external_id, channel, direction,
                                   author_identity_id, sent_at, received_at)
               VALUES (2, 1, 2, 'n1', 'email', 'inbound', 20, 2, 2),
                      (3, 1, 2, 'n2', 'email', 'inbound', 20, 3, 3),
                      (4, 1, 3, 'n3', 'email', 'inbound', 20, 4, 4),
                      (5, 1, 3, 'n4', 'email', 'inbound', 21, 5, 5),
                      (6, 1, 4, 'n5', 'email', 'outbound', 20, 6, 6);
             INSERT INTO cases (id, subject, contact_id, created_at, updated_at)
               VALUES (2, 'Shipped', 2, 2, 2), (3, 'Shipped', 2, 4, 4), (4, 'Hello', 2, 6, 6);
             INSERT INTO case_conversations VALUES (2, 2, 2), (3, 3, 4), (4, 4, 6);",
        )
        .unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    let automated = |table: &str, id: i64| -> Option<String> {
        store
            .conn()
            .query_row(
                &format!("SELECT automated FROM {table} WHERE id = ?1"),
                [id],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert_eq!(
        automated("messages", 2).as_deref(),
        Some("From: noreply+orders@shop.example"),
        "a no-reply sender, whatever its +tag and case"
    );
    assert_eq!(automated("messages", 5), None, "norene@ is a person");
    assert_eq!(
        automated("messages", 6),
        None,
        "our own mail is never automated"
    );
    assert_eq!(
        automated("cases", 2).as_deref(),
        Some("From: noreply+orders@shop.example")
    );
    assert_eq!(automated("cases", 3), None, "a person wrote in it");
    assert_eq!(automated("cases", 4), None, "it began with our own mail");
    assert_eq!(automated("cases", 1), None, "Ann's case is untouched");
}
