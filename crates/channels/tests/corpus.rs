//! Runs `parse_email` over the shared corpus of real-world and hostile messages (never copied
//! into this repository). Run with `--nocapture` to see the accepted/failed table.
//!
//! The corpus is `../shared/testdata/eml` next to the repository, or `$SWITCHBOARD_TESTDATA`
//! (either the `testdata` folder that holds `eml/`, or the `eml` folder itself).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use switchboard_channels::email::{ParseError, parse_email};

fn corpus_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("SWITCHBOARD_TESTDATA") {
        let dir = PathBuf::from(dir);
        let eml = dir.join("eml");
        return if eml.is_dir() { eml } else { dir };
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/eml")
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("corpus folder is readable") {
            let path = entry.expect("corpus entry is readable").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|ext| ext == "eml") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Whether the top-level header section has any of the headers `parse_email` requires, by a
/// scan independent of the parser under test.
fn has_usable_header(raw: &[u8]) -> bool {
    for line in raw.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let name = String::from_utf8_lossy(line[..colon].trim_ascii()).to_ascii_lowercase();
        let has_value = !line[colon + 1..].trim_ascii().is_empty();
        if has_value && ["from", "to", "subject", "date", "message-id"].contains(&name.as_str()) {
            return true;
        }
    }
    false
}

#[test]
fn every_corpus_file_is_accepted_or_refused_with_a_reason() {
    let dir = corpus_dir();
    let dir = dir.canonicalize().unwrap_or(dir);
    if !dir.is_dir() {
        println!(
            "SKIPPED corpus test: {} not found (set SWITCHBOARD_TESTDATA)",
            dir.display()
        );
        return;
    }
    let files = files_under(&dir);
    assert!(!files.is_empty(), "the corpus folder holds .eml files");

    let mut accepted: BTreeMap<String, usize> = BTreeMap::new();
    let mut failed: Vec<(String, ParseError, bool)> = Vec::new();
    let mut with_html = 0;
    let mut with_attachments = 0;
    for path in &files {
        let raw = std::fs::read(path).expect("corpus file is readable");
        let name = path
            .strip_prefix(&dir)
            .unwrap_or(path)
            .display()
            .to_string();
        let folder = name.split('/').next().unwrap_or_default().to_owned();
        match parse_email(&raw) {
            Ok(parsed) => {
                *accepted.entry(folder).or_default() += 1;
                with_html += usize::from(parsed.html.is_some());
                with_attachments += usize::from(!parsed.attachments.is_empty());
                assert_eq!(parsed.raw_size, raw.len(), "{name}: raw size");
            }
            Err(error) => failed.push((name, error, has_usable_header(&raw))),
        }
    }

    println!("\ncorpus: {}", dir.display());
    println!("{:<12} {:>8} {:>8}", "folder", "accepted", "failed");
    let mut folders: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (folder, count) in &accepted {
        folders.entry(folder.clone()).or_default().0 += count;
    }
    for (name, _, _) in &failed {
        let folder = name.split('/').next().unwrap_or_default().to_owned();
        folders.entry(folder).or_default().1 += 1;
    }
    for (folder, (ok, bad)) in &folders {
        println!("{folder:<12} {ok:>8} {bad:>8}");
    }
    let accepted_total: usize = accepted.values().sum();
    println!(
        "{:<12} {:>8} {:>8}   ({with_html} with html, {with_attachments} with attachments)",
        "total",
        accepted_total,
        failed.len()
    );
    for (name, error, _) in &failed {
        println!("  failed {name}: {}", error.reason());
    }

    assert_eq!(
        accepted_total + failed.len(),
        files.len(),
        "every file is accounted for"
    );
    for (name, error, has_usable) in &failed {
        assert!(
            !has_usable,
            "{name} has a From/To/Subject/Date/Message-ID header but was refused: {}",
            error.reason()
        );
        assert_ne!(
            *error,
            ParseError::Unreadable,
            "{name}: even corrupt MIME keeps its headers"
        );
    }
    for folder in ["rfc", "thirdparty", "legacy"] {
        let (ok, bad) = folders.get(folder).copied().unwrap_or_default();
        assert!(
            ok > bad,
            "{folder}/: well-formed messages mostly parse ({ok} accepted, {bad} refused)"
        );
    }
    assert_eq!(
        folders.get("legacy").map_or(0, |f| f.1),
        0,
        "legacy/ is real client output: all of it parses"
    );
}
