//! The workspace's own email addresses ("you"): list, add, remove.
//!
//! They decide which stored mail reads as sent by you and which as written by a customer.
//! Changing them re-derives that for the mail already stored, with the cases' customers, status
//! and response clocks that follow from it (`switchboard_store::self_addresses`), as one action
//! that undo takes back whole.

use serde::{Deserialize, Serialize};
use switchboard_store::self_addresses;

use crate::rpc::NoParams;
use crate::{ApiError, Code, Ctx, Result, plural};

#[derive(Debug, Clone, Default, Deserialize, Serialize, ts_rs::TS)]
pub struct SelfAddressParams {
    /// Email addresses; case and surrounding spaces do not matter.
    pub addresses: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct SelfAddressList {
    /// Sorted, lowercased.
    pub addresses: Vec<String>,
}

/// What adding or removing own addresses did to the stored mail.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct SelfAddressChange {
    /// The own addresses now.
    pub addresses: Vec<String>,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// Stored messages now read as sent by you, and ones now read as from a customer.
    pub now_outbound: u64,
    pub now_inbound: u64,
    /// Conversations and cases holding them.
    pub conversations: u64,
    pub cases: u64,
    /// In words: "3 addresses; 42 messages now marked sent by you in 17 conversations".
    pub summary: String,
}

pub fn account_self_list(ctx: &Ctx, _: &NoParams) -> Result<SelfAddressList> {
    Ok(SelfAddressList {
        addresses: self_addresses::list(ctx.store().conn())?,
    })
}

/// Makes the addresses your own and re-derives the stored mail from them.
pub fn account_self_add(ctx: &Ctx, p: &SelfAddressParams) -> Result<SelfAddressChange> {
    let addresses = checked(&p.addresses)?;
    let now = ctx.now();
    let c = ctx
        .store()
        .write(|tx| self_addresses::change(tx, &addresses, &[], now))?;
    Ok(described(c, &addresses, "already one of your addresses"))
}

/// Stops treating the addresses as your own; refuses an address that is not one of them.
pub fn account_self_remove(ctx: &Ctx, p: &SelfAddressParams) -> Result<SelfAddressChange> {
    let addresses = checked(&p.addresses)?;
    let now = ctx.now();
    let mut store = ctx.store();
    let own = self_addresses::list(store.conn())?;
    if let Some(a) = addresses.iter().find(|a| !own.contains(a)) {
        let yours = if own.is_empty() {
            "you have none".to_string()
        } else {
            format!("yours are {}", own.join(", "))
        };
        return Err(ApiError::new(
            Code::NotFound,
            format!("cannot remove {a}: it is not one of your addresses ({yours})"),
        ));
    }
    let c = store.write(|tx| self_addresses::change(tx, &[], &addresses, now))?;
    Ok(described(c, &addresses, "not one of your addresses"))
}

fn checked(addresses: &[String]) -> Result<Vec<String>> {
    if addresses.is_empty() {
        return Err(ApiError::invalid("give at least one email address"));
    }
    addresses
        .iter()
        .map(|a| self_addresses::check_address(a).map_err(ApiError::from))
        .collect()
}

fn described(
    c: self_addresses::SelfChange,
    asked: &[String],
    unchanged: &str,
) -> SelfAddressChange {
    let mut parts = vec![plural(c.addresses.len(), "address", "addresses")];
    if c.added.is_empty() && c.removed.is_empty() {
        parts.push(format!("nothing changed: {} {unchanged}", asked.join(", ")));
    } else if c.now_outbound == 0 && c.now_inbound == 0 {
        parts.push("no stored mail changed".into());
    } else {
        let within = format!(
            " in {}",
            plural(c.conversations, "conversation", "conversations")
        );
        if c.now_outbound > 0 {
            parts.push(format!(
                "{} now marked sent by you{}",
                plural(c.now_outbound, "message", "messages"),
                within
            ));
        }
        if c.now_inbound > 0 {
            parts.push(format!(
                "{} now marked from customers{}",
                plural(c.now_inbound, "message", "messages"),
                if c.now_outbound > 0 { "" } else { &within }
            ));
        }
    }
    SelfAddressChange {
        summary: parts.join("; "),
        addresses: c.addresses,
        added: c.added,
        removed: c.removed,
        now_outbound: c.now_outbound,
        now_inbound: c.now_inbound,
        conversations: c.conversations,
        cases: c.cases,
    }
}
