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
        .position(|(name, _)| *name == "0013_search_notes")
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
