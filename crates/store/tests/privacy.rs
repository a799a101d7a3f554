//! Files that hold customers' history are private to the user (unix modes), whoever created the
//! folder and however a copy is made.
#![cfg(unix)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use switchboard_store::{DB_FILE, Store, attachments, backup};

fn mode(p: &Path) -> u32 {
    fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn an_existing_world_readable_data_folder_and_database_are_tightened_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    drop(Store::open(&data).unwrap());
    fs::set_permissions(&data, fs::Permissions::from_mode(0o755)).unwrap();
    fs::set_permissions(data.join(DB_FILE), fs::Permissions::from_mode(0o644)).unwrap();

    drop(Store::open(&data).unwrap());
    assert_eq!(mode(&data), 0o700, "the folder is private again");
    assert_eq!(mode(&data.join(DB_FILE)), 0o600, "the database too");
}

#[test]
fn a_stricter_folder_is_not_loosened() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    drop(Store::open(&data).unwrap());
    fs::set_permissions(&data, fs::Permissions::from_mode(0o500)).unwrap();
    // Read-only for the owner too: opening may fail, but the mode must not widen.
    let _ = Store::open(&data);
    assert_eq!(mode(&data), 0o500);
    fs::set_permissions(&data, fs::Permissions::from_mode(0o700)).unwrap();
}

#[test]
fn attachments_are_written_0600_in_0700_folders() {
    let dir = tempfile::tempdir().unwrap();
    let sha = attachments::put(dir.path(), b"invoice.pdf bytes").unwrap();
    let file = attachments::path_for(dir.path(), &sha);
    assert_eq!(mode(&file), 0o600);
    assert_eq!(mode(file.parent().unwrap()), 0o700);
    assert_eq!(mode(&dir.path().join("attachments")), 0o700);
}

#[test]
fn attachment_folders_made_by_an_older_build_are_tightened_on_the_next_write() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("attachments");
    fs::create_dir(&root).unwrap();
    fs::set_permissions(&root, fs::Permissions::from_mode(0o755)).unwrap();
    attachments::put(dir.path(), b"x").unwrap();
    assert_eq!(mode(&root), 0o700);
}

/// Watches a folder while a backup is written and records every mode seen on any file in it.
/// SQLite writes a 20 MB database for long enough that a file created with the process umask
/// and only later chmod-ed would be seen.
#[test]
fn a_backup_is_private_from_the_moment_it_exists() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("data")).unwrap();
    store
        .write(|tx| {
            tx.conn().execute_batch(
                "CREATE TABLE filler(b BLOB);
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 80)
                 INSERT INTO filler SELECT randomblob(256 * 1024) FROM n;",
            )?;
            Ok(())
        })
        .unwrap();
    let out = dir.path().join("backups");
    fs::create_dir(&out).unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (out, done) = (out.clone(), done.clone());
        std::thread::spawn(move || {
            let mut seen = Vec::new();
            while !done.load(Ordering::SeqCst) {
                for entry in fs::read_dir(&out).unwrap().flatten() {
                    if let Ok(meta) = entry.metadata() {
                        seen.push((entry.file_name(), meta.permissions().mode() & 0o777));
                    }
                }
            }
            seen
        })
    };
    let dest = out.join("copy.db");
    let bytes = backup::backup_to(&store, &dest).unwrap();
    done.store(true, Ordering::SeqCst);
    let seen = watcher.join().unwrap();
    assert!(bytes > 20_000_000);
    assert!(!seen.is_empty(), "the watcher saw the backup being written");
    let open: Vec<_> = seen.iter().filter(|(_, m)| m & 0o077 != 0).collect();
    assert!(
        open.is_empty(),
        "no file in the folder was ever readable by others: {open:?}"
    );
    assert_eq!(mode(&dest), 0o600);
    let names: Vec<_> = fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(
        names,
        vec![std::ffi::OsString::from("copy.db")],
        "no partial file is left"
    );
}

#[test]
fn a_backup_never_replaces_an_existing_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("data")).unwrap();
    let dest = dir.path().join("taken.db");
    fs::write(&dest, b"keep me").unwrap();
    let err = backup::backup_to(&store, &dest).unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");
    assert_eq!(fs::read(&dest).unwrap(), b"keep me");
}
