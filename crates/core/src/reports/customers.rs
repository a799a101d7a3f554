//! Customers: who keeps coming back. Unique customers against cases against reopened cases
//! over the range, and the repeat contacts with their cases and channels.
//!
//! A repeat contact is a customer with at least one case in the range flagged as a repeat
//! (the case's `repeat` flag: the contact had another case open, or resolved recently, when it
//! began). A reopened case is one that went from resolved back to open during the range.

use serde::Serialize;

use super::trends::origin_of;
use super::{CaseFact, CauseNode, Count, Filter};
use crate::clock::Timestamp;

/// Who a contact is, for the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactFact {
    pub id: i64,
    pub name: Option<String>,
    pub address: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct CustomerCase {
    pub case_id: i64,
    pub created_at: Timestamp,
    /// The channel of origin.
    pub channel: String,
    pub repeat: bool,
    pub resolved: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct RepeatContact {
    pub contact_id: i64,
    pub name: Option<String>,
    pub address: Option<String>,
    /// Every case of theirs that began in the range, oldest first.
    pub cases: Vec<CustomerCase>,
    /// The channels those cases came in on, most used first.
    pub channels: Vec<String>,
    pub case_ids: Vec<i64>,
    /// Those of the cases flagged as repeats.
    pub repeat_case_ids: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct CustomerReport {
    pub from: String,
    pub to: String,
    pub time_zone: String,
    /// Distinct customers with a case that began in the range.
    pub unique_customers: usize,
    /// Cases that began in the range.
    pub cases: Count,
    /// Of those, flagged as repeat contacts.
    pub repeat_cases: Count,
    /// Cases reopened (resolved → open) during the range, whenever they began.
    pub reopened: Count,
    /// Customers with a repeat case in the range: most cases first.
    pub repeat_contacts: Vec<RepeatContact>,
}

/// `reopened`: (case id, when) for every reopen; `cases`: at least those that began in
/// `[start, end)` and the reopened ones (only those in the range count as cases).
#[allow(clippy::too_many_arguments)]
pub fn customer_report(
    cases: &[CaseFact],
    contacts: &[ContactFact],
    reopened: &[(i64, Timestamp)],
    causes: &[CauseNode],
    filter: &Filter,
    (start, end): (Timestamp, Timestamp),
    (from, to, time_zone): (&str, &str, &str),
) -> CustomerReport {
    let kept: Vec<&CaseFact> = cases
        .iter()
        .filter(|c| c.created_at >= start && c.created_at < end && filter.keeps(c, causes))
        .collect();
    let mut all = Count::default();
    let mut repeat_cases = Count::default();
    let mut by_contact: std::collections::BTreeMap<i64, Vec<&CaseFact>> = Default::default();
    for c in &kept {
        all.add(c.id);
        if c.repeat {
            repeat_cases.add(c.id);
        }
        if let Some(k) = c.contact_id {
            by_contact.entry(k).or_default().push(c);
        }
    }
    let mut reopen_ids: Vec<i64> = Vec::new();
    // With a filter, a reopened case counts when its facts are known and pass it.
    let index: std::collections::HashMap<i64, &CaseFact> =
        cases.iter().map(|c| (c.id, c)).collect();
    let unfiltered = filter.channels.is_empty() && filter.root_causes.is_empty();
    let known = |id: i64| unfiltered || index.get(&id).is_some_and(|c| filter.keeps(c, causes));
    for &(id, at) in reopened {
        if at >= start && at < end && !reopen_ids.contains(&id) && known(id) {
            reopen_ids.push(id);
        }
    }
    let mut repeat_contacts = Vec::new();
    for (contact_id, mut list) in by_contact.clone() {
        if !list.iter().any(|c| c.repeat) {
            continue;
        }
        list.sort_by_key(|c| (c.created_at, c.id));
        let mut channels: Vec<(String, usize)> = Vec::new();
        for c in &list {
            let o = origin_of(c);
            match channels.iter_mut().find(|(n, _)| *n == o) {
                Some((_, k)) => *k += 1,
                None => channels.push((o, 1)),
            }
        }
        channels.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let who = contacts.iter().find(|k| k.id == contact_id);
        repeat_contacts.push(RepeatContact {
            contact_id,
            name: who.and_then(|k| k.name.clone()),
            address: who.and_then(|k| k.address.clone()),
            case_ids: list.iter().map(|c| c.id).collect(),
            repeat_case_ids: list.iter().filter(|c| c.repeat).map(|c| c.id).collect(),
            cases: list
                .iter()
                .map(|c| CustomerCase {
                    case_id: c.id,
                    created_at: c.created_at,
                    channel: origin_of(c),
                    repeat: c.repeat,
                    resolved: c.resolved_at.is_some(),
                })
                .collect(),
            channels: channels.into_iter().map(|(n, _)| n).collect(),
        });
    }
    repeat_contacts.sort_by(|a, b| {
        b.cases
            .len()
            .cmp(&a.cases.len())
            .then_with(|| a.contact_id.cmp(&b.contact_id))
    });
    CustomerReport {
        from: from.to_string(),
        to: to.to_string(),
        time_zone: time_zone.to_string(),
        unique_customers: by_contact.len(),
        cases: all,
        repeat_cases,
        reopened: Count {
            count: reopen_ids.len(),
            case_ids: reopen_ids,
        },
        repeat_contacts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(id: i64, contact: i64, at: Timestamp, origin: &str, repeat: bool) -> CaseFact {
        CaseFact {
            id,
            created_at: at,
            contact_id: Some(contact),
            origin_channel: Some(origin.into()),
            origin: Some(origin.into()),
            repeat,
            ..Default::default()
        }
    }

    #[test]
    fn repeat_contacts_are_listed_with_their_cases_and_channels() {
        let cases = vec![
            case(1, 7, 10, "email", false),
            case(2, 7, 20, "bluesky", true),
            case(3, 7, 30, "bluesky", true),
            case(4, 8, 15, "email", false),
            case(5, 9, 500, "email", true), // outside the range
        ];
        let contacts = vec![ContactFact {
            id: 7,
            name: Some("Ana".into()),
            address: Some("ana@example.org".into()),
        }];
        let r = customer_report(
            &cases,
            &contacts,
            &[(4, 40), (4, 45), (5, 400)],
            &[],
            &Filter::default(),
            (0, 100),
            ("a", "b", "UTC"),
        );
        assert_eq!(r.unique_customers, 2);
        assert_eq!(r.cases.count, 4);
        assert_eq!(r.repeat_cases.case_ids, vec![2, 3]);
        assert_eq!(
            r.reopened.case_ids,
            vec![4],
            "reopened twice counts once; 400 is outside"
        );
        assert_eq!(r.repeat_contacts.len(), 1);
        let ana = &r.repeat_contacts[0];
        assert_eq!(ana.name.as_deref(), Some("Ana"));
        assert_eq!(ana.case_ids, vec![1, 2, 3]);
        assert_eq!(
            ana.channels,
            vec!["bluesky".to_string(), "email".to_string()]
        );
        assert_eq!(ana.repeat_case_ids, vec![2, 3]);
    }
}
