//! When two contacts are probably the same person.
//!
//! Contact suggestions must be explainable ("same email address", "same handle on Bluesky and
//! Mastodon", "similar name"), so each test here is a small named rule rather than one opaque
//! score. Names are compared with Jaro-Winkler on a normalized form: it rewards a shared prefix,
//! which is how the same person's names usually differ ("Ann Smith" / "Ann Smith-Jones",
//! "Jon" / "John"), and it needs no corpus.

/// The default threshold for "similar display name".
pub const NAME_THRESHOLD: f64 = 0.92;

/// Lowercase, diacritics of common Latin letters removed, punctuation dropped, whitespace
/// collapsed: "  José  O'Neil " → "jose oneil".
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut space = false;
    for ch in name.chars().flat_map(char::to_lowercase) {
        let ch = fold(ch);
        if ch.is_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(ch);
        } else if ch.is_whitespace() || ch == '-' || ch == '_' || ch == '.' {
            space = true;
        }
    }
    out
}

fn fold(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        other => other,
    }
}

/// Jaro-Winkler similarity in 0..=1 (1 = identical), over chars.
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let j = jaro(&a, &b);
    let prefix = a
        .iter()
        .zip(b.iter())
        .take(4)
        .take_while(|(x, y)| x == y)
        .count() as f64;
    j + prefix * 0.1 * (1.0 - j)
}

fn jaro(a: &[char], b: &[char]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    let mut a_match = vec![false; a.len()];
    let mut b_match = vec![false; b.len()];
    let mut matches = 0usize;
    for (i, ca) in a.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(b.len());
        for j in lo..hi {
            if !b_match[j] && b[j] == *ca {
                a_match[i] = true;
                b_match[j] = true;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut transpositions = 0usize;
    let mut k = 0usize;
    for (i, ca) in a.iter().enumerate() {
        if a_match[i] {
            while !b_match[k] {
                k += 1;
            }
            if *ca != b[k] {
                transpositions += 1;
            }
            k += 1;
        }
    }
    let m = matches as f64;
    (m / a.len() as f64 + m / b.len() as f64 + (m - transpositions as f64 / 2.0) / m) / 3.0
}

/// Whether two display names look like the same person's, with the score. Names shorter than
/// three letters after normalizing never match: "Al" is too little to go on.
pub fn similar_names(a: &str, b: &str) -> Option<f64> {
    let (a, b) = (normalize_name(a), normalize_name(b));
    if a.chars().count() < 3 || b.chars().count() < 3 {
        return None;
    }
    let s = jaro_winkler(&a, &b);
    (s >= NAME_THRESHOLD).then_some(s)
}

/// Why two people with the same surname and different addresses look like one person: each
/// address reads as the surname plus the start of a given name that both names share ("Margaret
/// Dunn" `mdunn@` and "Maggie Dunn" `maggie.dunn@` are both "m… dunn").
#[derive(Debug, Clone, PartialEq)]
pub struct SurnameMatch {
    /// The shared surname, normalized ("dunn").
    pub surname: String,
    /// The given-name initial both addresses start with ('m').
    pub initial: char,
    /// Jaro-Winkler similarity of the two local parts, letters only.
    pub score: f64,
}

/// The same surname with addresses built from it: both names have a given name and a surname
/// (the last word) of at least two letters; the surnames are equal and the given names start
/// with the same letter; and each address's local part, letters only, is the surname with
/// nothing, or the start of that given name, around it (`mdunn`, `dunn.m`, `maggie.dunn`,
/// `margaretdunn`). Two Dunns whose addresses do not read as their names (`mdunn@` and
/// `pdunn@`, or `mdunn@` and `orders@`) are not a match: sharing a surname alone is common.
pub fn same_surname_similar_address(
    name_a: &str,
    address_a: &str,
    name_b: &str,
    address_b: &str,
) -> Option<SurnameMatch> {
    let (given_a, surname_a) = given_and_surname(name_a)?;
    let (given_b, surname_b) = given_and_surname(name_b)?;
    if surname_a != surname_b {
        return None;
    }
    let initial = given_a.chars().next()?;
    if given_b.chars().next()? != initial {
        return None;
    }
    let (local_a, local_b) = (local_letters(address_a)?, local_letters(address_b)?);
    let reads_as_name = |local: &str, given: &str| {
        let Some(at) = local.find(surname_a.as_str()) else {
            return false;
        };
        let rest = format!("{}{}", &local[..at], &local[at + surname_a.len()..]);
        rest.is_empty() || given.starts_with(&rest)
    };
    if !reads_as_name(&local_a, &given_a) || !reads_as_name(&local_b, &given_b) {
        return None;
    }
    Some(SurnameMatch {
        score: jaro_winkler(&local_a, &local_b),
        surname: surname_a,
        initial,
    })
}

/// The first and the last word of a normalized name, letters only; `None` for a single word or
/// a surname shorter than two letters.
fn given_and_surname(name: &str) -> Option<(String, String)> {
    let normalized = normalize_name(name);
    let words: Vec<String> = normalized
        .split(' ')
        .map(|w| w.chars().filter(|c| c.is_alphabetic()).collect::<String>())
        .filter(|w| !w.is_empty())
        .collect();
    let (given, surname) = (words.first()?, words.last()?);
    (words.len() >= 2 && surname.chars().count() >= 2).then(|| (given.clone(), surname.clone()))
}

/// The letters of an address's local part, lowercased, diacritics folded, anything after `+`
/// dropped: `Maggie.Dunn+shop@x` → `maggiedunn`.
fn local_letters(address: &str) -> Option<String> {
    let (local, _) = address.rsplit_once('@')?;
    let local = local.split('+').next().unwrap_or(local);
    let letters: String = local
        .chars()
        .flat_map(char::to_lowercase)
        .map(fold)
        .filter(|c| c.is_alphabetic())
        .collect();
    (!letters.is_empty()).then_some(letters)
}

/// The part of a social handle that a person picks, the same across networks:
/// `alice.bsky.social` → `alice`, `@alice@mastodon.social` → `alice`, `@Alice` → `alice`.
/// `None` for channels whose handles are not chosen names (email, phone) and for bases too short
/// to mean anything.
pub fn handle_base(channel: &str, handle: &str) -> Option<String> {
    let h = handle.trim().trim_start_matches('@').to_lowercase();
    let base = match channel {
        "bluesky" => h.split('.').next().unwrap_or(""),
        "mastodon" => h.split('@').next().unwrap_or(""),
        "x" | "telegram" => h.as_str(),
        _ => return None,
    };
    let base: String = base.chars().filter(|c| *c != '_' && *c != '-').collect();
    (base.chars().count() >= 3).then_some(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizing_drops_case_accents_and_punctuation() {
        assert_eq!(normalize_name("  José  O'Neil "), "jose oneil");
        assert_eq!(normalize_name("ANN-MARIE.smith"), "ann marie smith");
    }

    #[test]
    fn jaro_winkler_matches_known_values() {
        // Textbook pairs: MARTHA/MARHTA 0.961, DWAYNE/DUANE 0.84, DIXON/DICKSONX 0.813.
        assert!((jaro_winkler("martha", "marhta") - 0.961).abs() < 0.001);
        assert!((jaro_winkler("dwayne", "duane") - 0.84).abs() < 0.001);
        assert!((jaro_winkler("dixon", "dicksonx") - 0.813).abs() < 0.001);
        assert_eq!(jaro_winkler("same", "same"), 1.0);
        assert_eq!(jaro_winkler("abc", "xyz"), 0.0);
    }

    #[test]
    fn similar_names_accept_variants_and_reject_strangers() {
        assert!(similar_names("Ann Smith", "ann smith").is_some());
        assert!(similar_names("Jonathan Miller", "Jonathon Miller").is_some());
        assert!(similar_names("Ann Smith", "Bob Jones").is_none());
        assert!(similar_names("Al", "Al").is_none(), "too short to go on");
    }

    #[test]
    fn handle_bases_agree_across_networks() {
        assert_eq!(
            handle_base("bluesky", "alice.bsky.social").as_deref(),
            Some("alice")
        );
        assert_eq!(
            handle_base("mastodon", "@alice@mastodon.social").as_deref(),
            Some("alice")
        );
        assert_eq!(handle_base("x", "@Alice").as_deref(), Some("alice"));
        assert_eq!(handle_base("email", "alice@example.com"), None);
        assert_eq!(handle_base("bluesky", "al.bsky.social"), None);
    }

    #[test]
    fn same_surname_with_addresses_that_read_as_the_names_match() {
        let m = same_surname_similar_address(
            "Margaret Dunn",
            "mdunn@example.com",
            "Maggie Dunn",
            "maggie.dunn@mail.example",
        )
        .expect("m + dunn and maggie + dunn");
        assert_eq!((m.surname.as_str(), m.initial), ("dunn", 'm'));
        assert!(m.score > 0.0 && m.score < 1.0, "{}", m.score);
        assert!(
            same_surname_similar_address(
                "Dunn, Margaret",
                "dunn.m@x.example",
                "Maggie Dunn",
                "Maggie.Dunn+orders@y.example"
            )
            .is_none(),
            "'Dunn, Margaret' puts the surname first: its last word is Margaret"
        );
        assert!(
            same_surname_similar_address(
                "Margaret Dunn",
                "dunn.m@x.example",
                "Maggie Dunn",
                "Maggie.Dunn+orders@y.example"
            )
            .is_some(),
            "order, case, dots and +tags do not matter"
        );
        assert!(
            same_surname_similar_address(
                "Margaret Dunn",
                "dunn@x.example",
                "Maggie Dunn",
                "maggied@y.example"
            )
            .is_none(),
            "an address without the surname says nothing"
        );
    }

    #[test]
    fn a_shared_surname_alone_is_not_a_match() {
        assert!(
            same_surname_similar_address(
                "Margaret Dunn",
                "mdunn@example.com",
                "Paul Dunn",
                "pdunn@example.com"
            )
            .is_none(),
            "different given names"
        );
        assert!(
            same_surname_similar_address(
                "Margaret Dunn",
                "mdunn@example.com",
                "Maggie Dunn",
                "orders@dunnhardware.example"
            )
            .is_none(),
            "an address that does not read as the name"
        );
        assert!(
            same_surname_similar_address(
                "Margaret Dunn",
                "mdunn@example.com",
                "Maggie Dunne",
                "maggie.dunne@example.com"
            )
            .is_none(),
            "a different surname"
        );
        assert!(
            same_surname_similar_address("Dunn", "dunn@a.example", "Dunn", "dunn@b.example")
                .is_none(),
            "no given names to compare"
        );
    }
}
