//! Workspace settings the user can change: a fixed list of keys, each with its type.
//!
//! Values arrive as text (the CLI's `settings set KEY VALUE`, a text field in the UI) and are
//! checked here, so a typo in a key or a value is refused with the list of what is accepted
//! instead of being stored and silently ignored.

use serde::{Deserialize, Serialize};
use switchboard_store::settings as store;

use crate::{ApiError, Ctx, Result};

/// Every setting: key, kind, meaning.
pub const SETTINGS: &[(&str, Kind, &str)] = &[
    (
        store::REQUIRE_ROOT_CAUSE,
        Kind::Bool,
        "a case cannot be resolved until it carries a root cause",
    ),
    (
        store::BUSINESS_NAME,
        Kind::Text,
        "the business's name, for {business_name} in templates",
    ),
    (
        store::AGENT_NAME,
        Kind::Text,
        "your name as customers see it, for {agent_name} in templates",
    ),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Bool,
    Text,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Setting {
    pub key: String,
    pub kind: Kind,
    pub description: String,
    /// The value as text: `true`/`false` for a bool, the text itself (empty when unset).
    pub value: String,
    /// False while the default applies.
    pub is_set: bool,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct SettingsGetParams {
    /// One key; all settings when absent.
    #[serde(default)]
    pub key: Option<String>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct SettingsGetResult {
    pub settings: Vec<Setting>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ts_rs::TS)]
pub struct SettingsSetParams {
    pub key: String,
    pub value: String,
}

fn lookup(key: &str) -> Result<&'static (&'static str, Kind, &'static str)> {
    SETTINGS
        .iter()
        .find(|(k, _, _)| *k == key.trim())
        .ok_or_else(|| {
            ApiError::invalid(format!(
                "unknown setting {key:?}; known settings: {}",
                SETTINGS
                    .iter()
                    .map(|(k, _, _)| *k)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
}

fn read(
    sb: &switchboard_store::Store,
    key: &'static str,
    kind: Kind,
    desc: &str,
) -> Result<Setting> {
    let stored = store::get(sb.conn(), key)?;
    let value = match (kind, &stored) {
        (Kind::Bool, Some(v)) => v.as_bool().unwrap_or(false).to_string(),
        (Kind::Bool, None) => "false".into(),
        (Kind::Text, Some(v)) => v.as_str().unwrap_or_default().to_string(),
        (Kind::Text, None) => String::new(),
    };
    Ok(Setting {
        key: key.to_string(),
        kind,
        description: desc.to_string(),
        value,
        is_set: stored.is_some(),
    })
}

pub fn settings_get(ctx: &Ctx, p: &SettingsGetParams) -> Result<SettingsGetResult> {
    let sb = ctx.store();
    let settings = match &p.key {
        Some(k) => {
            let (key, kind, desc) = lookup(k)?;
            vec![read(&sb, key, *kind, desc)?]
        }
        None => SETTINGS
            .iter()
            .map(|(key, kind, desc)| read(&sb, key, *kind, desc))
            .collect::<Result<_>>()?,
    };
    Ok(SettingsGetResult { settings })
}

pub fn settings_set(ctx: &Ctx, p: &SettingsSetParams) -> Result<Setting> {
    let (key, kind, desc) = lookup(&p.key)?;
    let value = match kind {
        Kind::Bool => match p.value.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "1" => serde_json::Value::Bool(true),
            "false" | "no" | "off" | "0" => serde_json::Value::Bool(false),
            other => {
                return Err(ApiError::invalid(format!(
                    "cannot set {key} to {other:?}: use true or false"
                )));
            }
        },
        Kind::Text => serde_json::Value::String(p.value.trim().to_string()),
    };
    let now = ctx.now();
    let mut sb = ctx.store();
    let previous = read(&sb, key, *kind, desc)?;
    let restored = if previous.is_set {
        format!("{key} is back to {:?}", previous.value)
    } else {
        format!("{key} is unset again")
    };
    sb.write(|tx| {
        let before = store::snapshot(tx.conn(), &[key])?;
        store::set(tx, key, &value)?;
        store::record_change(tx, &before, &format!("setting {key}"), &restored, now)
    })?;
    read(&sb, key, *kind, desc)
}
