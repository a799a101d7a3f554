//! The shared vocabulary and people of every synthetic corpus: a Zipf-distributed background
//! text (frequent English words, then shop vocabulary, then a long tail of invented words), a
//! set of *planted* words with known frequencies (what the search benchmark's query classes
//! rely on), a unique token per message, and a pool of customers with realistic names and
//! addresses.

use std::collections::HashSet;

use crate::rng::{Rng, Zipf, mix};
use crate::words;

/// Bump whenever the generated corpora change, so cached databases are rebuilt.
pub const GENERATOR_VERSION: u32 = 1;

/// Number of invented words in the long tail of the vocabulary.
const TAIL_WORDS: usize = 20_000;

pub struct Vocab {
    pub words: Vec<String>,
    zipf: Zipf,
}

impl Vocab {
    pub fn new() -> Vocab {
        let planted: HashSet<&str> = words::PLANTED_COMMON
            .iter()
            .chain(words::PLANTED_MID)
            .map(|p| p.word)
            .chain(
                words::PLANTED_PHRASES
                    .iter()
                    .flat_map(|p| p.word.split(' ')),
            )
            .chain(words::RARE.iter().copied())
            .collect();
        let mut seen: HashSet<String> = HashSet::new();
        let mut list: Vec<String> = Vec::new();
        for w in words::COMMON.iter().chain(words::BUSINESS) {
            if !planted.contains(w) && seen.insert((*w).to_string()) {
                list.push((*w).to_string());
            }
        }
        // The tail: invented words, deterministic whatever the corpus seed.
        let mut rng = Rng::new(0x005E_ED0F_7A11);
        let mut tail = 0;
        while tail < TAIL_WORDS {
            let syllables = rng.range(2, 3);
            let mut w = String::new();
            for _ in 0..syllables {
                w.push_str(rng.pick::<&str>(words::ONSETS));
                w.push_str(rng.pick::<&str>(words::VOWELS));
            }
            w.push_str(rng.pick::<&str>(words::CODAS));
            if w.len() >= 4
                && !planted.contains(w.as_str())
                && !w.starts_with("invo")
                && seen.insert(w.clone())
            {
                list.push(w);
                tail += 1;
            }
        }
        let zipf = Zipf::new(list.len(), 1.0);
        Vocab { words: list, zipf }
    }

    pub fn word(&self, rng: &mut Rng) -> &str {
        &self.words[self.zipf.sample(rng)]
    }
}

/// The words to plant in one message's body (chosen per message, independent of its length).
pub fn planted_words(rng: &mut Rng, corpus_size: usize) -> Vec<String> {
    let mut out = Vec::new();
    for p in words::PLANTED_COMMON
        .iter()
        .chain(words::PLANTED_MID)
        .chain(words::PLANTED_PHRASES)
    {
        if rng.chance(p.p) {
            out.push(p.word.to_string());
        }
    }
    let rare_p = words::RARE.len() as f64 * words::RARE_HITS / corpus_size.max(1) as f64;
    if rng.chance(rare_p) {
        out.push((*rng.pick(words::RARE)).to_string());
    }
    out
}

/// A token that appears in exactly one message: message `i`'s reference number.
pub fn unique_token(i: usize) -> String {
    format!("ref{:012x}", mix(i as u64 ^ 0xC0FFEE) & 0xFFFF_FFFF_FFFF)
}

/// Sentences of background text with `planted` spread over them. About `words` words.
pub fn paragraphs(rng: &mut Rng, vocab: &Vocab, words: usize, planted: &[String]) -> Vec<String> {
    let mut tokens: Vec<String> = Vec::with_capacity(words + planted.len());
    for _ in 0..words {
        tokens.push(vocab.word(rng).to_string());
    }
    for p in planted {
        let at = rng.index(tokens.len() + 1);
        tokens.insert(at, p.clone());
    }
    let mut paras = Vec::new();
    let mut para = String::new();
    let mut sentences_in_para = 0;
    let mut rest = tokens.as_slice();
    while !rest.is_empty() {
        let n = rng.range(6, 18).min(rest.len());
        let (sentence, tail) = rest.split_at(n);
        rest = tail;
        if !para.is_empty() {
            para.push(' ');
        }
        for (k, w) in sentence.iter().enumerate() {
            if k == 0 {
                let mut cs = w.chars();
                if let Some(c) = cs.next() {
                    para.extend(c.to_uppercase());
                    para.push_str(cs.as_str());
                }
            } else {
                para.push(' ');
                para.push_str(w);
                if k + 1 < sentence.len() && rng.chance(0.06) {
                    para.push(',');
                }
            }
        }
        para.push(if rng.chance(0.12) { '?' } else { '.' });
        sentences_in_para += 1;
        if sentences_in_para >= rng.range(2, 5) {
            paras.push(std::mem::take(&mut para));
            sentences_in_para = 0;
        }
    }
    if !para.is_empty() {
        paras.push(para);
    }
    paras
}

/// Wraps text at `width` columns (word boundaries only).
pub fn wrap(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / width);
    let mut col = 0;
    for w in text.split(' ') {
        let len = w.chars().count();
        if col > 0 && col + 1 + len > width {
            out.push('\n');
            col = 0;
        } else if col > 0 {
            out.push(' ');
            col += 1;
        }
        out.push_str(w);
        col += len;
    }
    out
}

#[derive(Debug, Clone)]
pub struct Person {
    pub name: String,
    pub email: String,
    pub company: Option<String>,
}

/// Lowercase ASCII for the local part of an address: José Müller → jose.muller.
pub fn ascii_fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        let mapped = match c {
            'á' | 'à' | 'â' | 'ä' | 'å' | 'ã' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'ø' | 'õ' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ñ' => 'n',
            'ç' => 'c',
            'ś' | 'š' => 's',
            'ł' => 'l',
            c if c.is_ascii_alphanumeric() => c,
            _ => continue,
        };
        out.push(mapped);
    }
    out
}

/// The customer pool: `n` distinct people (distinct first/last name pairs while they last).
pub fn customers(n: usize) -> Vec<Person> {
    let f = words::FIRST_NAMES.len();
    let l = words::LAST_NAMES.len();
    let combos = f * l;
    let mut companies = Vec::new();
    for (k, stem) in words::COMPANY_STEMS.iter().enumerate() {
        let suffix = words::COMPANY_SUFFIXES[k % words::COMPANY_SUFFIXES.len()];
        let tld = words::TLDS[(k * 7) % words::TLDS.len()];
        companies.push((format!("{stem}{suffix}.{tld}"), capitalize(stem)));
    }
    let mut rng = Rng::new(0xC057_0E25);
    let company_zipf = Zipf::new(companies.len(), 1.1);
    (0..n)
        .map(|c| {
            let combo = (c * 7919 + 13) % combos;
            let first = words::FIRST_NAMES[combo / l];
            let last = words::LAST_NAMES[combo % l];
            let round = c / combos;
            let local = if round == 0 {
                format!("{}.{}", ascii_fold(first), ascii_fold(last))
            } else {
                format!("{}.{}{round}", ascii_fold(first), ascii_fold(last))
            };
            let (domain, company) = if rng.chance(0.55) {
                ((*rng.pick(words::FREEMAIL)).to_string(), None)
            } else {
                let (d, name) = &companies[company_zipf.sample(&mut rng)];
                (d.clone(), Some(name.clone()))
            };
            Person {
                name: format!("{first} {last}"),
                email: format!("{local}@{domain}"),
                company,
            }
        })
        .collect()
}

fn capitalize(s: &str) -> String {
    let mut cs = s.chars();
    match cs.next() {
        Some(c) => c.to_uppercase().chain(cs).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabulary_has_no_planted_words() {
        let v = Vocab::new();
        for w in ["meeting", "invoice", "quokkafjord", "budget", "reset"] {
            assert!(!v.words.iter().any(|x| x == w), "{w}");
        }
        assert!(v.words.len() > 20_000);
    }

    #[test]
    fn customers_have_distinct_addresses() {
        let cs = customers(5_000);
        let set: HashSet<&str> = cs.iter().map(|c| c.email.as_str()).collect();
        assert_eq!(set.len(), 5_000);
        assert_eq!(ascii_fold("Wiśniewski"), "wisniewski");
        assert_eq!(ascii_fold("O'Brien"), "obrien");
    }

    #[test]
    fn unique_tokens_differ() {
        let set: HashSet<String> = (0..100_000).map(unique_token).collect();
        assert_eq!(set.len(), 100_000);
    }
}
