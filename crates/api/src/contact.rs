//! Contacts: one person across channels. Show their whole history, suggest merges, merge and
//! split identities, flag VIP / do not engage.

use serde::{Deserialize, Serialize};
use switchboard_store::contacts;
pub use switchboard_store::contacts::{
    ContactCase, ContactDetail, ContactMergeOutcome, ContactSplitOutcome, ContactSuggestion,
    IdentityView, MatchReason, SuggestedContact,
};

use crate::{ApiError, Ctx, Result};

#[derive(Debug, Clone, Deserialize, Serialize, ts_rs::TS)]
pub struct ContactIdParams {
    pub contact_id: i64,
}

/// A contact's identities and every case on any channel.
pub fn contact_show(ctx: &Ctx, p: &ContactIdParams) -> Result<ContactDetail> {
    let store = ctx.store();
    Ok(contacts::contact_detail(store.conn(), p.contact_id)?)
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct ContactSuggestionsParams {
    /// Only suggestions involving this contact.
    #[serde(default)]
    pub contact_id: Option<i64>,
}

/// Contacts that are probably the same person, each with the reason.
pub fn contact_suggestions(
    ctx: &Ctx,
    p: &ContactSuggestionsParams,
) -> Result<Vec<ContactSuggestion>> {
    let store = ctx.store();
    Ok(contacts::suggestions(store.conn(), p.contact_id)?)
}

#[derive(Debug, Clone, Deserialize, Serialize, ts_rs::TS)]
pub struct ContactMergeParams {
    /// The contact that stays.
    pub into: i64,
    pub from: Vec<i64>,
}

pub fn contact_merge(ctx: &Ctx, p: &ContactMergeParams) -> Result<ContactMergeOutcome> {
    let now = ctx.now();
    Ok(ctx
        .store()
        .write(|tx| contacts::merge(tx, p.into, &p.from, "user", now))?)
}

#[derive(Debug, Clone, Deserialize, Serialize, ts_rs::TS)]
pub struct ContactSplitParams {
    pub contact_id: i64,
    /// Identities that move to the new contact; at least one must stay.
    pub identity_ids: Vec<i64>,
}

pub fn contact_split(ctx: &Ctx, p: &ContactSplitParams) -> Result<ContactSplitOutcome> {
    let now = ctx.now();
    Ok(ctx
        .store()
        .write(|tx| contacts::split(tx, p.contact_id, &p.identity_ids, "user", now))?)
}

#[derive(Debug, Clone, Deserialize, Serialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct ContactSetFlagsParams {
    pub contact_id: i64,
    /// Left as it is when absent.
    #[serde(default)]
    pub vip: Option<bool>,
    #[serde(default)]
    pub do_not_engage: Option<bool>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ContactFlags {
    pub contact_id: i64,
    pub vip: bool,
    pub do_not_engage: bool,
}

pub fn contact_set_flags(ctx: &Ctx, p: &ContactSetFlagsParams) -> Result<ContactFlags> {
    if p.vip.is_none() && p.do_not_engage.is_none() {
        return Err(ApiError::invalid(
            "cannot set contact flags: give vip or do_not_engage",
        ));
    }
    let now = ctx.now();
    let (vip, do_not_engage) = ctx
        .store()
        .write(|tx| contacts::set_flags(tx, p.contact_id, p.vip, p.do_not_engage, "user", now))?;
    Ok(ContactFlags {
        contact_id: p.contact_id,
        vip,
        do_not_engage,
    })
}
