//! Golden files: each `tests/golden/*.eml` beside the `.json` that `parse_email` must produce
//! for it (attachment bytes replaced by their size and SHA-256; the normalised subject and the
//! snippet added, since threading and lists use them). The expected files were reviewed by
//! hand. `UPDATE_GOLDEN=1 cargo test -p switchboard-channels --test golden` rewrites them —
//! review the diff before committing it.

use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};
use switchboard_channels::email::{Address, ParsedEmail, normalize_subject, parse_email, snippet};

#[derive(Serialize)]
#[serde(untagged)]
enum Outcome {
    Parsed(Box<Golden>),
    Refused { error: &'static str },
}

#[derive(Serialize)]
struct Golden {
    message_id: Option<String>,
    in_reply_to: Vec<String>,
    references: Vec<String>,
    subject: Option<String>,
    normalized_subject: Option<String>,
    from: Option<Address>,
    reply_to: Option<Address>,
    to: Vec<Address>,
    cc: Vec<Address>,
    date: Option<i64>,
    text: String,
    snippet: String,
    html: Option<String>,
    has_remote_content: bool,
    attachments: Vec<GoldenAttachment>,
    raw_sha256: String,
    raw_size: usize,
}

#[derive(Serialize)]
struct GoldenAttachment {
    filename: Option<String>,
    content_type: String,
    content_id: Option<String>,
    inline: bool,
    size: usize,
    sha256: String,
}

impl From<ParsedEmail> for Golden {
    fn from(p: ParsedEmail) -> Self {
        Golden {
            normalized_subject: p.subject.as_deref().map(normalize_subject),
            snippet: snippet(&p.text, 80),
            message_id: p.message_id,
            in_reply_to: p.in_reply_to,
            references: p.references,
            subject: p.subject,
            from: p.from,
            reply_to: p.reply_to,
            to: p.to,
            cc: p.cc,
            date: p.date,
            text: p.text,
            html: p.html,
            has_remote_content: p.has_remote_content,
            attachments: p
                .attachments
                .into_iter()
                .map(|a| GoldenAttachment {
                    size: a.data.len(),
                    sha256: hex::encode(Sha256::digest(&a.data)),
                    filename: a.filename,
                    content_type: a.content_type,
                    content_id: a.content_id,
                    inline: a.inline,
                })
                .collect(),
            raw_sha256: p.raw_sha256,
            raw_size: p.raw_size,
        }
    }
}

fn render(raw: &[u8]) -> String {
    let outcome = match parse_email(raw) {
        Ok(parsed) => Outcome::Parsed(Box::new(parsed.into())),
        Err(error) => Outcome::Refused {
            error: error.reason(),
        },
    };
    let mut json = serde_json::to_string_pretty(&outcome).expect("golden output serialises");
    json.push('\n');
    json
}

fn golden_inputs() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/golden exists")
        .map(|entry| entry.expect("golden entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "eml"))
        .collect();
    inputs.sort();
    inputs
}

#[test]
fn parse_email_matches_the_reviewed_golden_files() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1");
    let inputs = golden_inputs();
    assert!(inputs.len() >= 10, "the golden set has its inputs");
    let mut mismatches = Vec::new();
    for input in &inputs {
        let raw = std::fs::read(input).expect("golden input is readable");
        let actual = render(&raw);
        let expected_path = input.with_extension("json");
        if update {
            std::fs::write(&expected_path, &actual).expect("golden output is writable");
            continue;
        }
        match std::fs::read_to_string(&expected_path) {
            Ok(expected) if expected == actual => {}
            Ok(expected) => mismatches.push(format!(
                "{}:\n--- expected\n{expected}\n--- actual\n{actual}",
                expected_path.display()
            )),
            Err(_) => mismatches.push(format!(
                "{} is missing (run with UPDATE_GOLDEN=1, then review it)",
                expected_path.display()
            )),
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} golden file(s) differ:\n\n{}",
        mismatches.len(),
        mismatches.join("\n\n")
    );
}
