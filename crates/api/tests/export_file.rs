//! An export written to a file holds every customer's history: it is private to the user, and
//! only a complete export gets the requested name.
#![cfg(unix)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;

use switchboard_api::export::{ExportFormat, export_to_file};
use switchboard_api::{Ctx, FixedClock};

const T0: i64 = 1_780_000_000_000;

fn ctx() -> (tempfile::TempDir, Ctx) {
    let dir = tempfile::tempdir().unwrap();
    switchboard_api::workspace::workspace_init(dir.path()).unwrap();
    let ctx = Ctx::open(dir.path(), Arc::new(FixedClock::new(T0))).unwrap();
    (dir, ctx)
}

fn mode(p: &std::path::Path) -> u32 {
    fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn csv_and_json_exports_are_written_0600() {
    let (_d, ctx) = ctx();
    let out = tempfile::tempdir().unwrap();
    for (format, name) in [
        (ExportFormat::Csv, "cases.csv"),
        (ExportFormat::Json, "cases.json"),
    ] {
        let path = out.path().join(name);
        export_to_file(&ctx, format, &path).unwrap();
        assert_eq!(mode(&path), 0o600, "{name}");
        assert!(!out.path().join(format!("{name}.partial")).exists());
    }
    let csv = fs::read_to_string(out.path().join("cases.csv")).unwrap();
    assert!(csv.starts_with("id,status,priority,subject"), "{csv}");
}

#[test]
fn a_world_readable_file_at_the_path_is_replaced_by_a_private_one() {
    let (_d, ctx) = ctx();
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("cases.csv");
    fs::write(&path, "old").unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    export_to_file(&ctx, ExportFormat::Csv, &path).unwrap();
    assert_eq!(mode(&path), 0o600);
    assert_ne!(fs::read_to_string(&path).unwrap(), "old");
}

#[test]
fn a_failed_export_names_the_path_and_leaves_no_file() {
    let (_d, ctx) = ctx();
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("missing-folder").join("cases.csv");
    let err = export_to_file(&ctx, ExportFormat::Csv, &path).unwrap_err();
    assert!(
        err.message.contains("cannot export to") && err.message.contains("cases.csv"),
        "{}",
        err.message
    );
    assert!(!path.exists());
}
