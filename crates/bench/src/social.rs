//! A deterministic stream of social items (Bluesky-shaped): short posts by handle-based
//! identities, a third of them replies in earlier conversations, some mentions, hashtags and
//! links, a few by the business's own handle.

use std::collections::VecDeque;

use switchboard_store::contacts::IdentityRef;
use switchboard_store::ingest::{NewMessage, Recipient, Visibility};

use crate::corpus::{self, Vocab};
use crate::rng::{Rng, Zipf, mix};
use crate::words;

pub const CHANNEL: &str = "bluesky";
pub const SELF_HANDLE: &str = "harborpine.bsky.social";
const RECENT: usize = 5_000;
const MAX_CHARS: usize = 300;

pub struct Author {
    pub did: String,
    pub handle: String,
    pub name: String,
}

struct Posted {
    uri: String,
    root: String,
}

pub struct SocialGen {
    rng: Rng,
    vocab: Vocab,
    authors: Vec<Author>,
    author_zipf: Zipf,
    recent: VecDeque<Posted>,
    next: usize,
    date_ms: i64,
    pub replies: usize,
}

pub fn self_identity() -> IdentityRef {
    IdentityRef {
        channel: CHANNEL.into(),
        external_id: did(u64::MAX),
        handle: Some(SELF_HANDLE.into()),
        display_name: Some(words::SELF_NAME.into()),
    }
}

fn did(k: u64) -> String {
    format!(
        "did:plc:{:024x}",
        (u128::from(mix(k)) << 32) | u128::from(mix(k ^ 0xA5) as u32)
    )
}

impl SocialGen {
    pub fn new(seed: u64, authors: usize) -> SocialGen {
        let people = corpus::customers(authors);
        let authors = people
            .iter()
            .enumerate()
            .map(|(k, p)| {
                let local = p
                    .email
                    .split('@')
                    .next()
                    .unwrap_or("someone")
                    .replace('.', "");
                Author {
                    did: did(k as u64),
                    handle: format!("{local}.bsky.social"),
                    name: p.name.clone(),
                }
            })
            .collect::<Vec<_>>();
        SocialGen {
            rng: Rng::new(seed ^ 0x50C1A1),
            vocab: Vocab::new(),
            author_zipf: Zipf::new(authors.len(), 0.9),
            authors,
            recent: VecDeque::with_capacity(RECENT + 1),
            next: 0,
            date_ms: 1_700_000_000_000,
            replies: 0,
        }
    }

    pub fn next_item(&mut self, account_id: i64) -> NewMessage {
        let i = self.next;
        self.next += 1;
        self.date_ms += (self.rng.exp(2_000.0) as i64).max(1);
        let ours = self.rng.chance(0.05);
        let author = if ours {
            self_identity()
        } else {
            let a = &self.authors[self.author_zipf.sample(&mut self.rng)];
            IdentityRef {
                channel: CHANNEL.into(),
                external_id: a.did.clone(),
                handle: Some(a.handle.clone()),
                display_name: Some(a.name.clone()),
            }
        };
        let uri = format!(
            "at://{}/app.bsky.feed.post/3k{:011x}",
            author.external_id,
            mix(i as u64) & 0xFFF_FFFF_FFFF
        );
        let parent = if !self.recent.is_empty() && self.rng.chance(0.35) {
            self.replies += 1;
            let p = &self.recent[self.recent.len() - 1 - self.rng.index(self.recent.len())];
            Some((p.uri.clone(), p.root.clone()))
        } else {
            None
        };
        let root = parent
            .as_ref()
            .map_or_else(|| uri.clone(), |(_, r)| r.clone());

        let mut text = String::new();
        let mut recipients = Vec::new();
        if self.rng.chance(0.2) {
            let m = &self.authors[self.rng.index(self.authors.len())];
            text.push('@');
            text.push_str(&m.handle);
            text.push(' ');
            recipients.push(Recipient {
                kind: "mention".into(),
                name: Some(m.name.clone()),
                address: m.did.clone(),
            });
        }
        let mut planted = corpus::planted_words(&mut self.rng, 1_000_000);
        planted.truncate(2);
        let n = self.rng.range(5, 45);
        for p in corpus::paragraphs(&mut self.rng, &self.vocab, n, &planted) {
            if text.len() + p.len() + 1 > MAX_CHARS {
                break;
            }
            if !text.is_empty() && !text.ends_with(' ') {
                text.push(' ');
            }
            text.push_str(&p);
        }
        if text.len() < 20 {
            text.push_str("Thanks for the quick answer!");
        }
        if self.rng.chance(0.15) {
            let tag = format!(" #{}", self.vocab.word(&mut self.rng));
            if text.len() + tag.len() <= MAX_CHARS {
                text.push_str(&tag);
            }
        }
        if self.rng.chance(0.1) {
            let link = format!(" https://example.com/p/{:x}", mix(i as u64) & 0xFFFFFF);
            if text.len() + link.len() <= MAX_CHARS {
                text.push_str(&link);
            }
        }
        // Cut at a character boundary if the pieces still overran.
        if text.len() > MAX_CHARS {
            let mut cut = MAX_CHARS;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
        }
        let snippet: String = text.chars().take(160).collect();

        self.recent.push_back(Posted {
            uri: uri.clone(),
            root: root.clone(),
        });
        if self.recent.len() > RECENT {
            self.recent.pop_front();
        }
        NewMessage {
            account_id,
            channel: CHANNEL.into(),
            external_id: uri,
            direction: None,
            author: Some(author),
            recipients,
            visibility: Visibility::Public,
            subject: None,
            subject_key: None,
            conversation_key: Some(root),
            in_reply_to: parent.map(|(p, _)| p),
            references: Vec::new(),
            sent_at: self.date_ms,
            received_at: self.date_ms + 500,
            text,
            html: None,
            snippet,
            has_remote_content: false,
            unread: true,
            raw_sha256: None,
            raw_size: None,
            attachments: Vec::new(),
            automated: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_short_and_thread() {
        let mut g = SocialGen::new(3, 500);
        let mut replies = 0;
        for _ in 0..2_000 {
            let m = g.next_item(1);
            assert!(m.text.len() <= MAX_CHARS, "{}", m.text.len());
            assert!(!m.text.is_empty());
            replies += usize::from(m.in_reply_to.is_some());
        }
        assert!((500..900).contains(&replies), "{replies}");
    }
}
