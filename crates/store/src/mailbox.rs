//! The store's side of mail sync: where each message lives on the server (folder + UID), each
//! folder's cursor, and every stream's health.
//!
//! Why it is shaped like this: DESIGN.md §4 asks that a cursor is written in the same transaction
//! as the rows it covers. So the sync engine calls these functions inside one [`Store::write`]
//! per batch — ingest the messages, record their locations, move the cursor — and a crash at any
//! point leaves either all of a batch or none of it. Locations are what let a later pass map a
//! server-side flag change or expunge onto our rows without refetching anything.
//!
//! Health lives in `sync_state` beside the cursor so that a sync can never stop silently: the
//! last success, the last error with its class, the backoff, and what it is doing right now are
//! all readable by `account list` from any process.
//!
//! [`Store::write`]: crate::Store::write

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::{Entity, Result, Tx};

/// Flag bits kept per location.
pub const SEEN: u8 = 1;
pub const FLAGGED: u8 = 2;
pub const ANSWERED: u8 = 4;
pub const DELETED: u8 = 8;
pub const DRAFT: u8 = 16;

/// The `sync_state.stream` of an IMAP folder.
pub fn folder_stream(folder: &str) -> String {
    format!("imap:{folder}")
}

/// The stream for account-wide state (connecting, signing in).
pub const ACCOUNT_STREAM: &str = "account";

/// How far one folder is synced. Every UID in `bottom..=top` that existed on the server when it
/// was fetched is stored (or quarantined); new mail is `top + 1 ..`; the initial sync walks
/// `bottom` down to the folder's lowest UID, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderCursor {
    pub uidvalidity: u32,
    /// Highest UID covered (0: nothing yet).
    pub top: u32,
    /// Lowest UID stored by the newest-first initial sync; `None` before the first batch.
    pub bottom: Option<u32>,
    /// Every UID below `bottom` has been looked at: the initial sync is complete.
    pub backfill_done: bool,
    /// CONDSTORE: flags of stored messages are current up to this modseq.
    pub highestmodseq: Option<u64>,
}

pub fn cursor(
    conn: &rusqlite::Connection,
    account_id: i64,
    folder: &str,
) -> Result<Option<FolderCursor>> {
    let raw: Option<Option<String>> = conn
        .prepare_cached("SELECT cursor FROM sync_state WHERE account_id = ?1 AND stream = ?2")?
        .query_row(params![account_id, folder_stream(folder)], |r| r.get(0))
        .optional()?;
    match raw.flatten() {
        Some(json) => Ok(Some(serde_json::from_str(&json)?)),
        None => Ok(None),
    }
}

fn ensure_stream(tx: &Tx<'_>, account_id: i64, stream: &str, now: i64) -> Result<()> {
    tx.conn()
        .prepare_cached(
            "INSERT OR IGNORE INTO sync_state (account_id, stream, updated_at) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![account_id, stream, now])?;
    Ok(())
}

/// Writes the folder's cursor; call it in the transaction that stored what it covers.
pub fn set_cursor(
    tx: &mut Tx<'_>,
    account_id: i64,
    folder: &str,
    c: &FolderCursor,
    now: i64,
) -> Result<()> {
    let stream = folder_stream(folder);
    ensure_stream(tx, account_id, &stream, now)?;
    tx.conn()
        .prepare_cached(
            "UPDATE sync_state SET cursor = ?3, updated_at = ?4 WHERE account_id = ?1 AND stream = ?2",
        )?
        .execute(params![account_id, stream, serde_json::to_string(c)?, now])?;
    tx.changed(Entity::SyncState, account_id);
    Ok(())
}

/// Forgets everything known about a folder's UIDs (UIDVALIDITY changed: they mean nothing now).
/// Messages stay; the next fetch finds them again by Message-ID.
pub fn drop_folder(tx: &mut Tx<'_>, account_id: i64, folder: &str) -> Result<usize> {
    let n = tx
        .conn()
        .prepare_cached("DELETE FROM mail_locations WHERE account_id = ?1 AND folder = ?2")?
        .execute(params![account_id, folder])?;
    tx.conn()
        .prepare_cached(
            "UPDATE sync_state SET cursor = NULL WHERE account_id = ?1 AND stream = ?2",
        )?
        .execute(params![account_id, folder_stream(folder)])?;
    tx.changed(Entity::SyncState, account_id);
    Ok(n)
}

/// Records where a message lives. `message_id` is `None` for an item that was quarantined.
pub fn put_location(
    tx: &mut Tx<'_>,
    account_id: i64,
    folder: &str,
    uid: u32,
    message_id: Option<i64>,
    flags: u8,
    modseq: Option<u64>,
) -> Result<()> {
    tx.conn()
        .prepare_cached(
            "INSERT INTO mail_locations (account_id, folder, uid, message_id, flags, modseq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (account_id, folder, uid) DO UPDATE
                SET message_id = excluded.message_id, flags = excluded.flags, modseq = excluded.modseq",
        )?
        .execute(params![
            account_id,
            folder,
            uid,
            message_id,
            flags,
            modseq.map(|m| m as i64)
        ])?;
    Ok(())
}

/// Makes the message's `unread`/`flagged` follow the server's `\Seen`/`\Flagged`, and brings
/// back a message that had been expunged and reappeared. Our own mail is never unread.
pub fn apply_flags(tx: &mut Tx<'_>, message_id: i64, flags: u8) -> Result<bool> {
    let seen = flags & SEEN != 0;
    let flagged = flags & FLAGGED != 0;
    let n = tx
        .conn()
        .prepare_cached(
            "UPDATE messages
                SET unread = (?2 = 0 AND direction = 'inbound'), flagged = ?3, deleted_at = NULL
              WHERE id = ?1
                AND (unread IS NOT (?2 = 0 AND direction = 'inbound') OR flagged IS NOT ?3
                     OR deleted_at IS NOT NULL)",
        )?
        .execute(params![message_id, seen, flagged])?;
    if n > 0 {
        tx.changed(Entity::Message, message_id);
    }
    Ok(n > 0)
}

/// A flag change reported by the server for a UID we hold. Returns whether a message changed.
pub fn update_flags(
    tx: &mut Tx<'_>,
    account_id: i64,
    folder: &str,
    uid: u32,
    flags: u8,
    modseq: Option<u64>,
) -> Result<bool> {
    let row: Option<(Option<i64>, u8)> = tx
        .conn()
        .prepare_cached(
            "SELECT message_id, flags FROM mail_locations
              WHERE account_id = ?1 AND folder = ?2 AND uid = ?3",
        )?
        .query_row(params![account_id, folder, uid], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let Some((message_id, old)) = row else {
        return Ok(false);
    };
    tx.conn()
        .prepare_cached(
            "UPDATE mail_locations SET flags = ?4, modseq = ?5
              WHERE account_id = ?1 AND folder = ?2 AND uid = ?3",
        )?
        .execute(params![
            account_id,
            folder,
            uid,
            flags,
            modseq.map(|m| m as i64)
        ])?;
    match message_id {
        Some(id) if old != flags => apply_flags(tx, id, flags),
        _ => Ok(false),
    }
}

/// All UIDs we hold for a folder, ascending.
pub fn uids(conn: &rusqlite::Connection, account_id: i64, folder: &str) -> Result<Vec<u32>> {
    let mut stmt = conn.prepare_cached(
        "SELECT uid FROM mail_locations WHERE account_id = ?1 AND folder = ?2 ORDER BY uid",
    )?;
    let rows = stmt.query_map(params![account_id, folder], |r| r.get::<_, u32>(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// (UID, flags) of every location we hold for a folder (flag sync without CONDSTORE).
pub fn uid_flags(
    conn: &rusqlite::Connection,
    account_id: i64,
    folder: &str,
) -> Result<Vec<(u32, u8)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT uid, flags FROM mail_locations WHERE account_id = ?1 AND folder = ?2 ORDER BY uid",
    )?;
    let rows = stmt.query_map(params![account_id, folder], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// How many UIDs we hold for a folder (stored and quarantined).
pub fn location_count(conn: &rusqlite::Connection, account_id: i64, folder: &str) -> Result<u64> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FROM mail_locations WHERE account_id = ?1 AND folder = ?2",
        )?
        .query_row(params![account_id, folder], |r| r.get::<_, i64>(0))? as u64)
}

/// How many UIDs below `below` we hold for a folder: compared with the server's EXISTS (taken
/// when UIDNEXT was `below`) it tells, without listing anything, that nothing was expunged.
pub fn location_count_below(
    conn: &rusqlite::Connection,
    account_id: i64,
    folder: &str,
    below: u32,
) -> Result<u64> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FROM mail_locations WHERE account_id = ?1 AND folder = ?2 AND uid < ?3",
        )?
        .query_row(params![account_id, folder, below], |r| r.get::<_, i64>(0))? as u64)
}

/// UIDs gone from the server: their locations are dropped, and a message that is now in no
/// folder at all is marked `deleted_at` — kept locally, never lost. Returns how many messages
/// were marked.
pub fn expunge(
    tx: &mut Tx<'_>,
    account_id: i64,
    folder: &str,
    gone: &[u32],
    now: i64,
) -> Result<u64> {
    let mut marked = 0;
    for &uid in gone {
        let message_id: Option<Option<i64>> = tx
            .conn()
            .prepare_cached(
                "DELETE FROM mail_locations WHERE account_id = ?1 AND folder = ?2 AND uid = ?3
                 RETURNING message_id",
            )?
            .query_row(params![account_id, folder, uid], |r| r.get(0))
            .optional()?;
        let Some(Some(message_id)) = message_id else {
            continue;
        };
        let n = tx
            .conn()
            .prepare_cached(
                "UPDATE messages SET deleted_at = ?2
                  WHERE id = ?1 AND deleted_at IS NULL
                    AND NOT EXISTS (SELECT 1 FROM mail_locations WHERE message_id = ?1)",
            )?
            .execute(params![message_id, now])?;
        if n > 0 {
            marked += 1;
            tx.changed(Entity::Message, message_id);
        }
    }
    Ok(marked)
}

/// Records a successful pass of a stream: clears the error and the backoff.
pub fn record_success(tx: &mut Tx<'_>, account_id: i64, stream: &str, now: i64) -> Result<()> {
    ensure_stream(tx, account_id, stream, now)?;
    tx.conn()
        .prepare_cached(
            "UPDATE sync_state
                SET last_success_at = ?3, last_attempt_at = ?3, last_error = NULL,
                    error_class = NULL, backoff_until = NULL, updated_at = ?3
              WHERE account_id = ?1 AND stream = ?2",
        )?
        .execute(params![account_id, stream, now])?;
    tx.changed(Entity::SyncState, account_id);
    Ok(())
}

/// Records a failure with its class (`offline`, `auth`, `rate_limited`, `retryable`,
/// `permanent`) and when to try again.
pub fn record_error(
    tx: &mut Tx<'_>,
    account_id: i64,
    stream: &str,
    error: &str,
    class: &str,
    backoff_until: Option<i64>,
    now: i64,
) -> Result<()> {
    ensure_stream(tx, account_id, stream, now)?;
    tx.conn()
        .prepare_cached(
            "UPDATE sync_state
                SET last_error = ?3, error_class = ?4, backoff_until = ?5, last_attempt_at = ?6,
                    activity = NULL, activity_at = ?6, updated_at = ?6
              WHERE account_id = ?1 AND stream = ?2",
        )?
        .execute(params![
            account_id,
            stream,
            error,
            class,
            backoff_until,
            now
        ])?;
    tx.changed(Entity::SyncState, account_id);
    Ok(())
}

/// What a stream is doing right now (`None`: idle).
pub fn set_activity(
    tx: &mut Tx<'_>,
    account_id: i64,
    stream: &str,
    activity: Option<&str>,
    now: i64,
) -> Result<()> {
    ensure_stream(tx, account_id, stream, now)?;
    tx.conn()
        .prepare_cached(
            "UPDATE sync_state SET activity = ?3, activity_at = ?4
              WHERE account_id = ?1 AND stream = ?2",
        )?
        .execute(params![account_id, stream, activity, now])?;
    tx.changed(Entity::SyncState, account_id);
    Ok(())
}

/// One stream's health, for `account list` and the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct StreamHealth {
    pub stream: String,
    pub last_success_at: Option<i64>,
    pub last_attempt_at: Option<i64>,
    pub last_error: Option<String>,
    pub error_class: Option<String>,
    pub backoff_until: Option<i64>,
    pub activity: Option<String>,
    pub activity_at: Option<i64>,
    /// Messages stored from this stream (IMAP: UIDs with a stored message).
    pub messages: u64,
    /// Items from this stream that could not be stored.
    pub quarantined: u64,
    pub cursor: Option<serde_json::Value>,
}

pub fn health(conn: &rusqlite::Connection, account_id: i64) -> Result<Vec<StreamHealth>> {
    let mut stmt = conn.prepare_cached(
        "SELECT s.stream, s.last_success_at, s.last_attempt_at, s.last_error, s.error_class,
                s.backoff_until, s.activity, s.activity_at, s.cursor,
                (SELECT count(*) FROM mail_locations l
                  WHERE l.account_id = s.account_id AND 'imap:' || l.folder = s.stream
                    AND l.message_id IS NOT NULL),
                (SELECT count(*) FROM mail_locations l
                  WHERE l.account_id = s.account_id AND 'imap:' || l.folder = s.stream
                    AND l.message_id IS NULL)
           FROM sync_state s WHERE s.account_id = ?1
          ORDER BY s.stream = 'account' DESC, s.stream",
    )?;
    let rows = stmt.query_map([account_id], |r| {
        Ok(StreamHealth {
            stream: r.get(0)?,
            last_success_at: r.get(1)?,
            last_attempt_at: r.get(2)?,
            last_error: r.get(3)?,
            error_class: r.get(4)?,
            backoff_until: r.get(5)?,
            activity: r.get(6)?,
            activity_at: r.get(7)?,
            cursor: r
                .get::<_, Option<String>>(8)?
                .and_then(|c| serde_json::from_str(&c).ok()),
            messages: r.get::<_, i64>(9)? as u64,
            quarantined: r.get::<_, i64>(10)? as u64,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Totals for an account: messages stored (not deleted), and quarantined items.
pub fn account_counts(conn: &rusqlite::Connection, account_id: i64) -> Result<(u64, u64)> {
    let messages: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM messages WHERE account_id = ?1 AND deleted_at IS NULL",
        )?
        .query_row([account_id], |r| r.get(0))?;
    let quarantined: i64 = conn
        .prepare_cached("SELECT count(*) FROM quarantine WHERE account_id = ?1")?
        .query_row([account_id], |r| r.get(0))?;
    Ok((messages as u64, quarantined as u64))
}

/// Removes an account from sync: its cursors, health and locations go, the account is renamed
/// out of the way and marked removed. Its messages and cases stay (history is never lost).
pub fn remove_account(tx: &mut Tx<'_>, account_id: i64, now: i64) -> Result<()> {
    tx.conn()
        .prepare_cached("DELETE FROM mail_locations WHERE account_id = ?1")?
        .execute([account_id])?;
    tx.conn()
        .prepare_cached("DELETE FROM sync_state WHERE account_id = ?1")?
        .execute([account_id])?;
    tx.conn()
        .prepare_cached(
            "UPDATE accounts SET enabled = 0, removed_at = ?2,
                    name = name || ' (removed ' || ?1 || ')'
              WHERE id = ?1",
        )?
        .execute(params![account_id, now])?;
    tx.changed(Entity::Account, account_id);
    Ok(())
}

/// Whether the account was removed (see [`remove_account`]).
pub fn is_removed(conn: &rusqlite::Connection, account_id: i64) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT removed_at IS NOT NULL FROM accounts WHERE id = ?1")?
        .query_row([account_id], |r| r.get(0))
        .optional()?
        .unwrap_or(true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;
    use crate::accounts::{self, NewAccount};

    fn store() -> (tempfile::TempDir, Store, i64) {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path()).unwrap();
        let id = s
            .write(|tx| {
                accounts::insert(
                    tx,
                    NewAccount {
                        kind: "email",
                        name: "work",
                        address: Some("help@shop.example"),
                        config: serde_json::json!({}),
                    },
                    1,
                )
            })
            .unwrap();
        (dir, s, id)
    }

    #[test]
    fn cursor_round_trips_and_drop_folder_forgets_uids() {
        let (_d, mut s, acc) = store();
        assert_eq!(cursor(s.conn(), acc, "INBOX").unwrap(), None);
        let c = FolderCursor {
            uidvalidity: 7,
            top: 10,
            bottom: Some(3),
            backfill_done: false,
            highestmodseq: Some(99),
        };
        s.write(|tx| {
            set_cursor(tx, acc, "INBOX", &c, 5)?;
            put_location(tx, acc, "INBOX", 3, None, SEEN, Some(1))
        })
        .unwrap();
        assert_eq!(cursor(s.conn(), acc, "INBOX").unwrap(), Some(c));
        assert_eq!(uids(s.conn(), acc, "INBOX").unwrap(), vec![3]);
        s.write(|tx| drop_folder(tx, acc, "INBOX")).unwrap();
        assert_eq!(
            cursor(s.conn(), acc, "INBOX").unwrap(),
            None,
            "cursor reset"
        );
        assert_eq!(location_count(s.conn(), acc, "INBOX").unwrap(), 0);
    }

    #[test]
    fn errors_are_recorded_and_a_success_clears_them() {
        let (_d, mut s, acc) = store();
        s.write(|tx| record_error(tx, acc, "imap:INBOX", "cannot x: y", "auth", Some(9), 5))
            .unwrap();
        let h = health(s.conn(), acc).unwrap();
        assert_eq!(h[0].error_class.as_deref(), Some("auth"));
        assert_eq!(h[0].backoff_until, Some(9));
        s.write(|tx| record_success(tx, acc, "imap:INBOX", 6))
            .unwrap();
        let h = health(s.conn(), acc).unwrap();
        assert_eq!(h[0].last_error, None, "a success clears the error");
        assert_eq!(h[0].last_success_at, Some(6));
    }
}
