//! Automated-mail classification on real messages from the shared corpus (never copied into
//! this repository): a mailing-list post is automated because of its `List-Id`; a person's
//! message that merely *attaches* an auto-generated one is not.
//!
//! The corpus is `$SWITCHBOARD_TESTDATA` (the `testdata` folder or its `eml` folder), else the
//! first `shared/testdata/eml` found above this crate. Like the other corpus tests, these print
//! `SKIPPED` when no corpus is there at all (a clone without the shared folder beside it; the
//! classifier's own tests cover the same headers inline); a corpus without the sample fails.

use std::path::{Path, PathBuf};

use switchboard_channels::email::parse_email;

fn corpus_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("SWITCHBOARD_TESTDATA") {
        let dir = PathBuf::from(dir);
        let eml = dir.join("eml");
        return if eml.is_dir() { eml } else { dir };
    }
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.ancestors()
        .map(|dir| dir.join("shared/testdata/eml"))
        .find(|dir| dir.is_dir())
        .unwrap_or_else(|| here.join("../../../shared/testdata/eml"))
}

fn sample(name: &str) -> Option<Vec<u8>> {
    let dir = corpus_dir();
    if !dir.is_dir() {
        println!(
            "SKIPPED automated-mail corpus test: {} not found (set SWITCHBOARD_TESTDATA)",
            dir.display()
        );
        return None;
    }
    let path = dir.join(name);
    Some(std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read the corpus sample {}: {e}. The automated-mail test needs the shared \
             test data: put it at ../shared/testdata next to the repository or set \
             SWITCHBOARD_TESTDATA",
            path.display()
        )
    }))
}

#[test]
fn a_mailing_list_post_is_automated_by_its_list_id() {
    let Some(raw) = sample("thirdparty/014.eml") else {
        return;
    };
    let parsed = parse_email(&raw).expect("the sample parses");
    assert_eq!(
        parsed.automated.as_deref(),
        Some("List-Id: shapelib.lists.maptools.org"),
        "the Mailman post carries List-Id, List-Unsubscribe and Precedence: list; the list's \
         id is the reason shown"
    );
}

#[test]
fn auto_submitted_inside_an_attached_message_does_not_count() {
    let Some(raw) = sample("thirdparty/015.eml") else {
        return;
    };
    let parsed = parse_email(&raw).expect("the sample parses");
    assert!(
        String::from_utf8_lossy(&raw).contains("Auto-Submitted: auto-generated"),
        "the sample still has an attached auto-generated message"
    );
    assert_eq!(
        parsed.automated, None,
        "a person's reply that attaches shop notifications is written by a person"
    );
}
