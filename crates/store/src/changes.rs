//! Change events: after each commit, which entities changed, by id. Repeats are coalesced.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    Account,
    Contact,
    Conversation,
    Message,
    Case,
    RootCause,
    Label,
    Note,
    FollowUp,
    Template,
    ProtocolRule,
    Outbox,
    SyncState,
    Event,
    Alert,
    /// A background import's progress (the id is the job's, not a stored row's).
    Import,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ChangeSet(BTreeMap<Entity, BTreeSet<i64>>);

impl ChangeSet {
    pub fn add(&mut self, entity: Entity, id: i64) {
        self.0.entry(entity).or_default().insert(id);
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn ids(&self, entity: Entity) -> Vec<i64> {
        self.0
            .get(&entity)
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default()
    }
    pub fn entities(&self) -> impl Iterator<Item = Entity> + '_ {
        self.0.keys().copied()
    }
}
