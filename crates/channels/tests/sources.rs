//! `walk_sources` over generated mailboxes: an mboxrd file of 200 messages, a Maildir with
//! cur/new/tmp and a Maildir++ folder, `fs`-layout sub-folders, a plain folder tree, a corrupt
//! and an empty `.mbox`, a dangling symlink, folders linked back into themselves, and a path
//! that does not exist. Every file not read must come back from `take_skipped` with a reason.

use std::fs;
use std::path::{Path, PathBuf};

use switchboard_channels::email::{
    ParsedEmail, SkipReason, Skipped, SourceError, SourceItem, Sources, parse_email, walk_sources,
};

#[test]
fn sources_and_results_can_move_to_worker_threads() {
    fn assert_send<T: Send>() {}
    assert_send::<Sources>();
    assert_send::<SourceItem>();
    assert_send::<ParsedEmail>();
}

/// Message `i` of the generated mbox, as it must come back out.
fn mbox_message(i: usize) -> Vec<u8> {
    // Messages 50 and 51 are the same message delivered twice.
    let n = if i == 51 { 50 } else { i };
    let mut m = String::new();
    m.push_str(&format!("From: Sender {n} <sender{n}@example.com>\n"));
    m.push_str("To: support@shop.example\n");
    if n % 10 != 0 {
        m.push_str(&format!("Message-ID: <m{n}@example.com>\n"));
    }
    if n % 7 == 0 {
        m.push_str("Subject: =?iso-8859-1?Q?Gr=FC=DFe?= \n");
        m.push_str("Content-Type: text/plain; charset=iso-8859-1\n");
        m.push_str("Content-Transfer-Encoding: 8bit\n\n");
        let mut bytes = m.into_bytes();
        bytes.extend_from_slice(b"Gr\xfc\xdfe aus K\xf6ln\n");
        return bytes;
    }
    m.push_str(&format!("Subject: Message {n}\n\n"));
    m.push_str("Hello,\n\n");
    if n % 3 == 0 {
        // Lines that a writer must escape, and one that looks escaped already.
        m.push_str("From the start, this was a body line.\n");
        m.push_str(">From an earlier quote.\n");
        m.push_str(">>From deeper.\n");
        m.push('\n');
        m.push_str("From here too, after an empty line.\n");
    }
    m.push_str("From inside a paragraph is fine\nas long as it is escaped.\n");
    if n % 5 == 0 {
        m.push_str("A message ending in an empty line.\n\n");
    }
    m.into_bytes()
}

/// Writes messages as an mboxrd file: From_ line, body with `^>*From ` lines escaped, then an
/// empty line.
fn write_mboxrd(path: &Path, messages: &[Vec<u8>]) {
    let mut out = Vec::new();
    for (i, message) in messages.iter().enumerate() {
        out.extend_from_slice(
            format!("From sender{i}@example.com Mon Jun  3 09:00:00 2024\n").as_bytes(),
        );
        for line in message.split_inclusive(|&b| b == b'\n') {
            let quotes = line.iter().take_while(|&&b| b == b'>').count();
            if line[quotes..].starts_with(b"From ") {
                out.push(b'>');
            }
            out.extend_from_slice(line);
        }
        out.push(b'\n');
    }
    fs::write(path, out).unwrap();
}

fn write(path: &Path, contents: &[u8]) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, contents).unwrap();
}

fn mail(subject: &str) -> Vec<u8> {
    format!("From: a@example.com\nSubject: {subject}\n\nbody of {subject}\n").into_bytes()
}

fn skip(path: &Path, reason: SkipReason) -> Skipped {
    Skipped {
        path: path.to_path_buf(),
        reason,
    }
}

fn origins(items: &[SourceItem]) -> Vec<String> {
    items.iter().map(|item| item.origin.clone()).collect()
}

fn origin(path: &Path) -> String {
    path.display().to_string()
}

fn ok(item: &SourceItem) -> &[u8] {
    match &item.raw {
        Ok(raw) => raw,
        Err(error) => panic!("{} failed: {error}", item.origin),
    }
}

#[test]
fn mbox_of_200_messages_streams_in_order_with_unescaping() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Takeout.mbox");
    let messages: Vec<Vec<u8>> = (1..=200).map(mbox_message).collect();
    write_mboxrd(&path, &messages);

    let mut sources = walk_sources(std::slice::from_ref(&path)).unwrap();
    assert_eq!(
        sources.estimated_total(),
        None,
        "an mbox's count is unknown"
    );
    let size = fs::metadata(&path).unwrap().len();
    assert_eq!(sources.progress(), (0, size));

    let mut items = Vec::new();
    let mut last_done = 0;
    while let Some(item) = sources.next() {
        let (done, total) = sources.progress();
        assert!(
            done >= last_done && done <= total,
            "progress only moves forward"
        );
        last_done = done;
        items.push(item);
    }
    assert_eq!(
        sources.progress(),
        (size, size),
        "progress ends at the total"
    );

    assert_eq!(items.len(), 200);
    for (i, item) in items.iter().enumerate() {
        assert_eq!(item.origin, format!("{}#{}", path.display(), i + 1));
        assert_eq!(
            ok(item),
            messages[i].as_slice(),
            "message {} comes back byte for byte",
            i + 1
        );
    }
    let third = String::from_utf8(ok(&items[2]).to_vec()).unwrap();
    assert!(third.contains(
        "\nFrom the start, this was a body line.\n>From an earlier quote.\n>>From deeper.\n"
    ));

    // Every message parses; duplicates and missing ids are the store's business, not ours.
    let parsed: Vec<_> = items
        .iter()
        .map(|item| parse_email(ok(item)).unwrap())
        .collect();
    assert_eq!(
        parsed[49].raw_sha256, parsed[50].raw_sha256,
        "the duplicate is kept"
    );
    assert_eq!(parsed[9].message_id, None, "message 10 has no Message-ID");
    assert_eq!(parsed[6].subject.as_deref(), Some("Grüße"));
    assert_eq!(parsed[6].text, "Grüße aus Köln");
}

#[test]
fn maildirs_folders_and_broken_inputs_are_walked_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();

    let maildir = root.join("Maildir");
    write(
        &maildir.join("cur/1717000001.M1P1.host:2,S"),
        &mail("cur 1"),
    );
    write(
        &maildir.join("cur/1717000002.M2P1.host:2,RS"),
        &mail("duplicate"),
    );
    write(&maildir.join("cur/.DS_Store"), b"junk");
    write(
        &maildir.join("new/1717000003.M3P1.host"),
        &mail("duplicate"),
    );
    write(
        &maildir.join("tmp/1717000004.M4P1.host"),
        &mail("half delivered"),
    );
    write(
        &maildir.join(".Sent/cur/1717000005.M5P1.host:2,S"),
        &mail("sent"),
    );
    write(&maildir.join("dovecot-uidlist"), b"3 V1 N4\n");
    // A message without Message-ID and with an odd charset, straight in new/.
    write(
        &maildir.join("new/1717000006.M6P1.host"),
        b"From: b@example.com\nSubject: =?koi8-r?B?8NLJ18XU?=\nContent-Type: text/plain; charset=koi8-r\n\n\xf0\xd2\xc9\xd7\xc5\xd4\n",
    );

    let folder = root.join("exports");
    write(&folder.join("b.eml"), &mail("b"));
    write(&folder.join("a.eml"), &mail("a"));
    write(&folder.join("notes.txt"), b"shopping list: milk\n");
    write(&folder.join("readme"), b"Just some words, not mail.\n");
    write(&folder.join("1234"), &mail("extensionless"));
    write(&folder.join("sub/c.EML"), &mail("c"));
    write(&folder.join(".git/config"), &mail("hidden"));
    write(&folder.join("empty.mbox"), b"\n");
    write(&folder.join("broken.mbox"), &mail("not an mbox"));
    #[cfg(unix)]
    std::os::unix::fs::symlink(folder.join("gone.eml"), folder.join("dangling.eml")).unwrap();

    let mut sources = walk_sources(&[maildir.clone(), folder.clone()]).unwrap();
    assert_eq!(
        sources.estimated_total(),
        None,
        "extensionless and .mbox files may hold many"
    );
    let items: Vec<SourceItem> = sources.by_ref().collect();
    let (done, total) = sources.progress();
    assert_eq!(done, total);
    let mut skipped = sources.take_skipped();
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    assert_eq!(
        skipped,
        vec![
            skip(&maildir.join("cur/.DS_Store"), SkipReason::Hidden),
            skip(&maildir.join("dovecot-uidlist"), SkipReason::ControlFile),
            skip(
                &maildir.join("tmp/1717000004.M4P1.host"),
                SkipReason::Delivering
            ),
            skip(&folder.join(".git"), SkipReason::Hidden),
            skip(&folder.join("empty.mbox"), SkipReason::EmptyMbox),
            skip(&folder.join("notes.txt"), SkipReason::NotMail),
            skip(&folder.join("readme"), SkipReason::NotMail),
        ],
        "every file not read is reported with its reason"
    );
    assert!(
        sources.take_skipped().is_empty(),
        "each skip is reported once"
    );

    let origins: Vec<String> = items.iter().map(|item| item.origin.clone()).collect();
    let mut expected = vec![
        origin(&maildir.join("cur/1717000001.M1P1.host:2,S")),
        origin(&maildir.join("cur/1717000002.M2P1.host:2,RS")),
        origin(&maildir.join("new/1717000003.M3P1.host")),
        origin(&maildir.join("new/1717000006.M6P1.host")),
        origin(&maildir.join(".Sent/cur/1717000005.M5P1.host:2,S")),
        origin(&folder.join("1234")),
        origin(&folder.join("a.eml")),
        origin(&folder.join("b.eml")),
        origin(&folder.join("broken.mbox")),
    ];
    if cfg!(unix) {
        expected.push(origin(&folder.join("dangling.eml")));
    }
    expected.push(origin(&folder.join("sub/c.EML")));
    assert_eq!(
        origins, expected,
        "sorted, tmp/ and hidden files skipped, non-mail skipped"
    );

    assert_eq!(ok(&items[0]), mail("cur 1"));
    assert_eq!(
        ok(&items[1]),
        ok(&items[2]),
        "duplicates in cur/ and new/ both come through"
    );
    let odd = parse_email(ok(&items[3])).unwrap();
    assert_eq!(odd.message_id, None);
    assert_eq!(odd.subject.as_deref(), Some("Привет"));
    assert_eq!(odd.text, "Привет");

    let broken = items
        .iter()
        .find(|item| item.origin.ends_with("broken.mbox"))
        .unwrap();
    let error = broken.raw.as_ref().unwrap_err();
    assert!(matches!(error, SourceError::NotMbox { .. }));
    assert_eq!(
        error.to_string(),
        format!(
            "cannot read {}: not an mbox: first line does not start with \"From \"",
            folder.join("broken.mbox").display()
        )
    );
    if cfg!(unix) {
        let dangling = items
            .iter()
            .find(|item| item.origin.ends_with("dangling.eml"))
            .unwrap();
        let error = dangling.raw.as_ref().unwrap_err();
        assert!(matches!(error, SourceError::Io { .. }), "{error}");
        assert!(error.to_string().contains("dangling.eml"), "{error}");
    }
}

#[test]
fn single_message_sources_have_an_exact_estimate() {
    let dir = tempfile::tempdir().unwrap();
    let maildir = dir.path().join("mail");
    write(&maildir.join("cur/1:2,S"), &mail("1"));
    write(&maildir.join("new/2"), &mail("2"));
    let eml = dir.path().join("x.eml");
    write(&eml, &mail("x"));
    let sources = walk_sources(&[maildir, eml]).unwrap();
    assert_eq!(sources.estimated_total(), Some(3));
    assert_eq!(sources.count(), 3);
}

#[test]
fn files_are_read_only_when_reached() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("late.eml");
    write(&path, &mail("before"));
    let sources = walk_sources(std::slice::from_ref(&path)).unwrap();
    write(&path, &mail("after the walk"));
    let items: Vec<SourceItem> = sources.collect();
    assert_eq!(ok(&items[0]), mail("after the walk"));
}

#[test]
fn a_named_file_is_a_message_whatever_it_holds() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("odd.txt");
    write(&path, b"not mail at all\n");
    let items: Vec<SourceItem> = walk_sources(std::slice::from_ref(&path)).unwrap().collect();
    assert_eq!(
        items.len(),
        1,
        "the user asked for this file, so it is reported"
    );
    assert_eq!(ok(&items[0]), b"not mail at all\n");
    // An .eml that starts with a From_ line is an mbox of one.
    let path = dir.path().join("saved.eml");
    write(
        &path,
        b"From a@b Mon Jun  3 09:00:00 2024\nSubject: x\n\nbody\n",
    );
    let items: Vec<SourceItem> = walk_sources(std::slice::from_ref(&path)).unwrap().collect();
    assert_eq!(items[0].origin, format!("{}#1", path.display()));
    assert_eq!(ok(&items[0]), b"Subject: x\n\nbody\n");
}

#[test]
fn a_missing_path_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-mailbox.mbox");
    let error = walk_sources(&[dir.path().to_path_buf(), missing.clone()])
        .err()
        .expect("a missing path fails the walk");
    assert!(matches!(&error, SourceError::NotFound(path) if *path == missing));
    assert!(
        error.to_string().contains("no-such-mailbox.mbox"),
        "{error}"
    );
}

#[cfg(unix)]
#[test]
fn an_unreadable_file_is_an_error_item_and_the_rest_continues() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let locked: PathBuf = dir.path().join("a-locked.eml");
    write(&locked, &mail("locked"));
    write(&dir.path().join("b-open.eml"), &mail("open"));
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::read(&locked).is_ok() {
        // Running as root: permissions do not apply (the dangling symlink case above covers
        // unreadable entries).
        return;
    }
    let items: Vec<SourceItem> = walk_sources(&[dir.path().to_path_buf()]).unwrap().collect();
    assert_eq!(items.len(), 2);
    assert!(matches!(items[0].raw, Err(SourceError::Io { .. })));
    assert_eq!(ok(&items[1]), mail("open"));
}

#[test]
fn fs_layout_sub_folders_and_loose_files_of_a_maildir_are_read() {
    // The shape of notmuch's `default` corpus and of Dovecot LAYOUT=fs / mbsync Verbatim:
    // plain sub-folders that are Maildirs (or hold Maildirs), and messages beside cur/.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("mail");
    write(&root.join("cur/1:2,"), &mail("inbox"));
    write(&root.join("Archive/cur/2:2,"), &mail("archived"));
    write(&root.join("Archive/maildirfolder"), b"");
    write(
        &root.join("Lists/rust/new/3"),
        &mail("list, two levels down"),
    );
    write(&root.join("bar/baz/05:2,"), &mail("loose in a folder"));
    write(&root.join("bar/baz/cur/25:2,"), &mail("in baz"));
    write(&root.join("foo/06:2,"), &mail("loose beside cur"));
    write(&root.join("foo/cur/08:2,"), &mail("in foo"));
    write(&root.join(".Sent/cur/4:2,S"), &mail("sent, Maildir++"));
    write(
        &root.join(".Sent/.Old/cur/5:2,S"),
        &mail("nested Maildir++"),
    );
    write(&root.join(".notmuch/xapian/flintlock"), b"");

    let mut sources = walk_sources(std::slice::from_ref(&root)).unwrap();
    let items: Vec<SourceItem> = sources.by_ref().collect();
    assert_eq!(
        origins(&items),
        vec![
            origin(&root.join("cur/1:2,")),
            origin(&root.join(".Sent/cur/4:2,S")),
            origin(&root.join(".Sent/.Old/cur/5:2,S")),
            origin(&root.join("Archive/cur/2:2,")),
            origin(&root.join("Lists/rust/new/3")),
            origin(&root.join("bar/baz/cur/25:2,")),
            origin(&root.join("bar/baz/05:2,")),
            origin(&root.join("foo/cur/08:2,")),
            origin(&root.join("foo/06:2,")),
        ],
        "every message in both sub-folder layouts, cur/ and new/ first in each Maildir"
    );
    for item in &items {
        parse_email(ok(item)).unwrap();
    }
    assert_eq!(
        sources.take_skipped(),
        vec![
            skip(&root.join(".notmuch"), SkipReason::Hidden),
            skip(&root.join("Archive/maildirfolder"), SkipReason::ControlFile),
        ]
    );
}

/// `../shared/testdata/threading-repros/submaildir` (or `$SWITCHBOARD_TESTDATA/threading-repros/…`):
/// a Maildir whose `Archive/` sub-Maildir has no leading dot.
#[test]
fn the_shared_sub_maildir_reproduction_yields_both_messages() {
    let testdata = std::env::var_os("SWITCHBOARD_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata"));
    let dir = testdata.join("threading-repros/submaildir");
    if !dir.is_dir() {
        println!(
            "SKIPPED sub-Maildir reproduction: {} not found (set SWITCHBOARD_TESTDATA)",
            dir.display()
        );
        return;
    }
    let mut sources = walk_sources(std::slice::from_ref(&dir)).unwrap();
    let items: Vec<SourceItem> = sources.by_ref().collect();
    assert_eq!(
        origins(&items),
        vec![
            origin(&dir.join("cur/1:2,")),
            origin(&dir.join("Archive/cur/2:2,")),
        ]
    );
    for item in &items {
        parse_email(ok(item)).unwrap();
    }
    assert_eq!(sources.take_skipped(), vec![]);
}

#[cfg(unix)]
#[test]
fn a_maildir_linked_into_itself_is_read_once() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("Maildir");
    write(&root.join("cur/1:2,S"), &mail("one"));
    write(&root.join(".Sent/cur/2:2,S"), &mail("two"));
    symlink(".", root.join(".A")).unwrap();
    symlink(".", root.join(".B")).unwrap();
    symlink("..", root.join(".Sent/.Up")).unwrap();
    symlink("cur", root.join("Again")).unwrap();

    let mut sources = walk_sources(std::slice::from_ref(&root)).unwrap();
    let items: Vec<SourceItem> = sources.by_ref().collect();
    assert_eq!(
        origins(&items),
        vec![
            origin(&root.join("cur/1:2,S")),
            origin(&root.join(".Sent/cur/2:2,S")),
        ],
        "each message once, the walk ends"
    );
    let already = |path: PathBuf, first: &Path| {
        skip(
            &path,
            SkipReason::AlreadyListed {
                first: first.to_path_buf(),
            },
        )
    };
    assert_eq!(
        sources.take_skipped(),
        vec![
            already(root.join(".A"), &root),
            already(root.join(".B"), &root),
            already(root.join(".Sent/.Up"), &root),
            already(root.join("Again"), &root.join("cur")),
        ],
        "every link back is reported, naming what it leads to"
    );
}

#[cfg(unix)]
#[test]
fn links_fanning_out_over_fifteen_levels_read_each_folder_once() {
    // Level i holds one message and two Maildir++ links, `.A` and `.B`, to level i+1: followed
    // naively that is 2^15 paths to the deepest folder (32,766 duplicate reads).
    use std::os::unix::fs::symlink;
    const DEPTH: usize = 15;
    let dir = tempfile::tempdir().unwrap();
    let level = |i: usize| dir.path().join(format!("level{i:02}"));
    for i in 0..=DEPTH {
        write(
            &level(i).join(format!("cur/{i}:2,S")),
            &mail(&format!("level {i}")),
        );
        if i < DEPTH {
            symlink(level(i + 1), level(i).join(".A")).unwrap();
            symlink(level(i + 1), level(i).join(".B")).unwrap();
        }
    }
    let mut sources = walk_sources(&[level(0)]).unwrap();
    let items: Vec<SourceItem> = sources.by_ref().collect();
    assert_eq!(
        items.len(),
        DEPTH + 1,
        "one message per level, no duplicates"
    );
    let expected: Vec<String> = (0..=DEPTH)
        .map(|i| {
            let mut path = level(0);
            for _ in 0..i {
                path.push(".A");
            }
            origin(&path.join(format!("cur/{i}:2,S")))
        })
        .collect();
    assert_eq!(origins(&items), expected, "reached through the first link");
    let skipped = sources.take_skipped();
    assert_eq!(
        skipped.len(),
        DEPTH,
        "the second link of each level: {skipped:?}"
    );
    assert!(
        skipped.iter().all(|s| s.path.ends_with(".B")
            && matches!(s.reason, SkipReason::AlreadyListed { .. })),
        "{skipped:?}"
    );
}

#[test]
fn a_path_given_twice_is_read_once() {
    let dir = tempfile::tempdir().unwrap();
    let eml = dir.path().join("one.eml");
    write(&eml, &mail("one"));
    let mut sources = walk_sources(&[dir.path().to_path_buf(), eml.clone()]).unwrap();
    let items: Vec<SourceItem> = sources.by_ref().collect();
    assert_eq!(origins(&items), vec![origin(&eml)]);
    assert_eq!(
        sources.take_skipped(),
        vec![skip(&eml, SkipReason::AlreadyListed { first: eml.clone() })]
    );
}
