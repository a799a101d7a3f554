//! `threading`: imports the same mail oldest first and newest first into Switchboard and into
//! notmuch (one message at a time, so the order is really the arrival order), and prints how
//! many threads each finds, whether each gives the same threads in both orders, and every
//! thread where the two disagree.
//!
//! Without `--corpus` it runs on generated reply trees (truncated References, ancestors that
//! were never delivered, replies without headers) — what CI runs, since notmuch's own corpora
//! (GPL, `test/corpora/` in the notmuch repository) are not kept in this repository. With
//! `--corpus DIR` every regular file under DIR (any Maildir layout or plain files; a `.notmuch`
//! folder skipped) is one message.
//!
//! Threads are compared as sets of files, so the two programs' different ids for broken or
//! missing Message-IDs do not matter.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use anyhow::{Context, bail};

use crate::rng::Rng;
use crate::sys;

pub struct ThreadingArgs {
    pub corpus: Vec<PathBuf>,
    pub generated: usize,
    pub seed: u64,
    pub work_dir: Option<PathBuf>,
    pub no_notmuch: bool,
}

/// One message file and what Switchboard reads from it.
struct Mail {
    path: PathBuf,
    /// The id Switchboard stores it under (`None`: not parseable).
    id: Option<String>,
    date: i64,
    subject: String,
}

/// Files grouped into threads, by index into the mail list.
type Partition = BTreeSet<BTreeSet<usize>>;

pub fn run(args: &ThreadingArgs) -> anyhow::Result<()> {
    let work = match &args.work_dir {
        Some(dir) => tempfile::tempdir_in(dir)?,
        None => tempfile::tempdir()?,
    };
    let mut files = Vec::new();
    if args.corpus.is_empty() {
        let dir = work.path().join("generated");
        generate(&dir, args.generated, args.seed)?;
        files_under(&dir, &mut files)?;
    }
    for dir in &args.corpus {
        if !dir.exists() {
            bail!("cannot read the corpus: {} does not exist", dir.display());
        }
        files_under(dir, &mut files)?;
    }
    if files.is_empty() {
        bail!("the corpus holds no message files");
    }
    let mails: Vec<Mail> = files.into_iter().map(read_mail).collect();
    let mut oldest: Vec<usize> = (0..mails.len()).collect();
    oldest.sort_by(|&a, &b| (mails[a].date, &mails[a].path).cmp(&(mails[b].date, &mails[b].path)));
    let newest: Vec<usize> = oldest.iter().rev().copied().collect();

    println!(
        "threading: {} files from {}",
        mails.len(),
        if args.corpus.is_empty() {
            format!("generated reply trees (seed {})", args.seed)
        } else {
            args.corpus
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        }
    );
    let sb_old = switchboard(&mails, &oldest, &work.path().join("sb-oldest"))?;
    let sb_new = switchboard(&mails, &newest, &work.path().join("sb-newest"))?;
    println!(
        "switchboard: {} conversations oldest first, {} newest first; same in both orders: {}",
        sb_old.len(),
        sb_new.len(),
        yes(sb_old == sb_new)
    );
    if sb_old != sb_new {
        print_differences(&mails, ("oldest first", &sb_old), ("newest first", &sb_new));
    }

    let notmuch = if args.no_notmuch {
        None
    } else {
        sys::on_path("notmuch")
    };
    let Some(bin) = notmuch else {
        println!(
            "notmuch: not compared ({})",
            if args.no_notmuch {
                "--no-notmuch"
            } else {
                "not on PATH; apt-get install notmuch"
            }
        );
        return Ok(());
    };
    let nm_old = notmuch_threads(&bin, &mails, &oldest, &work.path().join("nm-oldest"))?;
    let nm_new = notmuch_threads(&bin, &mails, &newest, &work.path().join("nm-newest"))?;
    println!(
        "notmuch:     {} threads oldest first, {} newest first; same in both orders: {}",
        nm_old.len(),
        nm_new.len(),
        yes(nm_old == nm_new)
    );
    // Compare on the files both hold (a file one of them refused is listed apart).
    let sb_files: BTreeSet<usize> = sb_new.iter().flatten().copied().collect();
    let nm_files: BTreeSet<usize> = nm_new.iter().flatten().copied().collect();
    for (who, only) in [
        ("switchboard", sb_files.difference(&nm_files)),
        ("notmuch", nm_files.difference(&sb_files)),
    ] {
        for &i in only {
            println!("  only {who} stored {}", mails[i].path.display());
        }
    }
    let common: BTreeSet<usize> = sb_files.intersection(&nm_files).copied().collect();
    let restrict = |p: &Partition| -> Partition {
        p.iter()
            .map(|t| t.intersection(&common).copied().collect::<BTreeSet<_>>())
            .filter(|t| !t.is_empty())
            .collect()
    };
    let (sb, nm) = (restrict(&sb_new), restrict(&nm_new));
    let same = sb.intersection(&nm).count();
    println!(
        "switchboard vs notmuch (newest first): {} threads identical, {} switchboard conversations and {} notmuch threads differ",
        same,
        sb.len() - same,
        nm.len() - same
    );
    print_differences(&mails, ("switchboard", &sb), ("notmuch", &nm));
    Ok(())
}

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "NO" }
}

/// Every regular file under `dir` (or `dir` itself when it is a file), sorted; a `.notmuch`
/// database folder is skipped.
fn files_under(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    if dir.is_file() {
        out.push(dir.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for p in entries {
        let hidden = p
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with(".notmuch"));
        if hidden {
            continue;
        }
        if p.is_dir() {
            files_under(&p, out)?;
        } else if p.is_file() {
            out.push(p);
        }
    }
    Ok(())
}

fn read_mail(path: PathBuf) -> Mail {
    let parsed = fs::read(&path)
        .ok()
        .and_then(|raw| switchboard_channels::email::parse_email(&raw).ok());
    match parsed {
        Some(p) => Mail {
            id: Some(switchboard_sync::email::external_id(&p)),
            date: p.date.unwrap_or(0),
            subject: p.subject.clone().unwrap_or_default(),
            path,
        },
        None => Mail {
            path,
            id: None,
            date: 0,
            subject: String::new(),
        },
    }
}

/// Imports the files in `order` into a fresh workspace; the conversations, as file sets.
fn switchboard(mails: &[Mail], order: &[usize], dir: &Path) -> anyhow::Result<Partition> {
    use switchboard_api::import::{ImportParams, import_files};
    fs::create_dir_all(dir)?;
    switchboard_api::workspace::workspace_init(dir)?;
    let ctx = switchboard_api::Ctx::open(dir, Arc::new(switchboard_api::SystemClock))?;
    let params = ImportParams {
        paths: order.iter().map(|&i| mails[i].path.clone()).collect(),
        self_addresses: vec![],
    };
    let result = import_files(&ctx, &params, &mut |_| {})?;
    for f in &result.failed {
        println!("  switchboard refused {}: {}", f.origin, f.reason);
    }
    let store = ctx.store();
    let mut stmt = store
        .conn()
        .prepare("SELECT external_id, conversation_id FROM messages")?;
    let by_id: BTreeMap<String, i64> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut groups: BTreeMap<i64, BTreeSet<usize>> = BTreeMap::new();
    for (i, m) in mails.iter().enumerate() {
        if let Some(conv) = m.id.as_ref().and_then(|id| by_id.get(id)) {
            groups.entry(*conv).or_default().insert(i);
        }
    }
    Ok(groups.into_values().collect())
}

/// Adds the files in `order` to a fresh notmuch database one at a time (`notmuch new` after
/// each copy); the threads, as file sets.
fn notmuch_threads(
    bin: &Path,
    mails: &[Mail],
    order: &[usize],
    dir: &Path,
) -> anyhow::Result<Partition> {
    let maildir = dir.join("mail");
    for sub in ["cur", "new", "tmp"] {
        fs::create_dir_all(maildir.join(sub))?;
    }
    let config = dir.join("notmuch-config");
    fs::write(
        &config,
        format!(
            "[database]\npath={}\n\n[user]\nname=Bench\nprimary_email=bench@example.invalid\n\n[new]\ntags=\nignore=\n\n[maildir]\nsynchronize_flags=false\n",
            maildir.display()
        ),
    )?;
    let nm = |args: &[&str]| -> anyhow::Result<String> {
        let out = Command::new(bin)
            .args(args)
            .env("NOTMUCH_CONFIG", &config)
            .env("HOME", dir)
            .stdin(Stdio::null())
            .output()?;
        if !out.status.success() {
            bail!(
                "notmuch {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    };
    nm(&["new", "--quiet"])?;
    for (n, &i) in order.iter().enumerate() {
        fs::copy(
            &mails[i].path,
            maildir.join("cur").join(format!("{i:06}.{n:06}:2,")),
        )?;
        nm(&["new", "--quiet"])?;
    }
    let mut threads = Partition::new();
    for thread in nm(&["search", "--output=threads", "*"])?.lines() {
        let files = nm(&["search", "--output=files", thread])?;
        let members: BTreeSet<usize> = files
            .lines()
            .filter_map(|f| Path::new(f).file_name())
            .filter_map(|name| name.to_string_lossy().split('.').next()?.parse().ok())
            .collect();
        if !members.is_empty() {
            threads.insert(members);
        }
    }
    Ok(threads)
}

/// Each thread of `a` that `b` does not have, with how `b` groups those files.
fn print_differences(mails: &[Mail], a: (&str, &Partition), b: (&str, &Partition)) {
    let b_of: BTreeMap<usize, &BTreeSet<usize>> =
        b.1.iter()
            .flat_map(|t| t.iter().map(move |&i| (i, t)))
            .collect();
    for t in a.1.iter().filter(|t| !b.1.contains(*t)) {
        let first = *t.iter().min_by_key(|&&i| (mails[i].date, i)).unwrap();
        let mut parts: Vec<usize> = Vec::new();
        let mut seen: BTreeSet<Vec<usize>> = BTreeSet::new();
        for i in t {
            if let Some(bt) = b_of.get(i)
                && seen.insert(bt.iter().copied().collect())
            {
                parts.push(bt.len());
            }
        }
        parts.sort_unstable_by(|x, y| y.cmp(x));
        println!(
            "  {} thread of {} \"{}\" ({}): {} has it as {}",
            a.0,
            t.len(),
            mails[first].subject,
            mails[first].path.display(),
            b.0,
            parts
                .iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(" + ")
        );
    }
}

/// Writes `threads` generated reply trees as .eml files: replies whose References were cut to
/// the parent, to the root and parent, or dropped; ancestors that were never delivered; and
/// replies sent without any threading header (a phone, a web form).
fn generate(dir: &Path, threads: usize, seed: u64) -> anyhow::Result<()> {
    fs::create_dir_all(dir)?;
    let mut rng = Rng::new(seed);
    let base = 1_700_000_000i64;
    for t in 0..threads {
        let size = rng.range(1, 12);
        let customer = format!("customer{}@example.org", rng.below(threads as u64 / 2 + 1));
        let mut parents: Vec<Option<usize>> = Vec::new();
        for n in 0..size {
            parents.push((n > 0).then(|| rng.index(n)));
        }
        for n in 0..size {
            if n > 0 && rng.chance(0.15) {
                continue; // never delivered: a ghost for its replies
            }
            let mut chain = Vec::new();
            let mut p = parents[n];
            while let Some(q) = p {
                chain.push(format!("<t{t}.m{q}@gen.example>"));
                p = parents[q];
            }
            chain.reverse();
            let mut headers = format!(
                "Message-ID: <t{t}.m{n}@gen.example>\r\nFrom: {customer}\r\nTo: support@shop.example\r\n\
                 Subject: {}Order {t} question\r\nDate: {}\r\n",
                if n > 0 { "Re: " } else { "" },
                rfc2822(base + (t as i64) * 7_200 + (n as i64) * 60)
            );
            if let Some(parent) = chain.last() {
                let refs = match rng.below(5) {
                    0 => chain.join(" "),
                    1 => parent.clone(),
                    2 if chain.len() > 1 => format!("{} {parent}", chain[0]),
                    3 => String::new(),
                    _ => chain.join(" "),
                };
                if rng.chance(0.05) {
                    // No threading header at all.
                } else {
                    headers.push_str(&format!("In-Reply-To: {parent}\r\n"));
                    if !refs.is_empty() {
                        headers.push_str(&format!("References: {refs}\r\n"));
                    }
                }
            }
            fs::write(
                dir.join(format!("t{t:04}-m{n:02}.eml")),
                format!("{headers}\r\nmessage {n} of thread {t}\r\n"),
            )?;
        }
    }
    Ok(())
}

fn rfc2822(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .unwrap_or_default()
        .to_rfc2822()
}
