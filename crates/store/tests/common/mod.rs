#![allow(dead_code)]

use switchboard_store::Store;
use switchboard_store::contacts::IdentityRef;
use switchboard_store::ingest::{NewMessage, Visibility};

pub const T0: i64 = 1_780_000_000_000;
pub const HOUR: i64 = 3_600_000;

pub fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    (dir, store)
}

pub fn archive(store: &mut Store) -> i64 {
    store
        .write(|tx| switchboard_store::accounts::ensure_archive(tx, T0))
        .unwrap()
}

pub fn who(addr: &str, name: &str) -> IdentityRef {
    IdentityRef {
        channel: "email".into(),
        external_id: addr.into(),
        handle: None,
        display_name: Some(name.into()),
    }
}

pub fn email(account_id: i64, id: &str, from: &str, subject: &str, at: i64) -> NewMessage {
    NewMessage {
        account_id,
        channel: "email".into(),
        external_id: id.into(),
        direction: None,
        author: Some(who(from, from.split('@').next().unwrap())),
        recipients: vec![switchboard_store::ingest::Recipient {
            kind: "to".into(),
            name: Some("Shop".into()),
            address: "help@shop.example".into(),
        }],
        visibility: Visibility::Private,
        subject: Some(subject.into()),
        subject_key: Some(
            subject
                .to_lowercase()
                .trim_start_matches("re: ")
                .to_string(),
        ),
        conversation_key: None,
        in_reply_to: None,
        references: vec![],
        sent_at: at,
        received_at: at,
        text: format!("body of {id}: {subject}"),
        html: None,
        snippet: format!("snippet {id}"),
        has_remote_content: false,
        unread: true,
        raw_sha256: None,
        raw_size: None,
        attachments: vec![],
        automated: None,
    }
}
