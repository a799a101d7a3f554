//! Reply templates: list, save, delete, and render for one case and channel.

use serde::{Deserialize, Serialize};
use switchboard_core::template::{self as tpl, Values};
use switchboard_store::offline::{self, CaseFacts};
use switchboard_store::settings;
use switchboard_store::templates;
pub use switchboard_store::templates::{Template, TemplateVariant};

use crate::{ApiError, Code, Ctx, Result};

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct TemplateVariable {
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct TemplateListResult {
    pub templates: Vec<Template>,
    /// What `{…}` may name, for the editor.
    pub variables: Vec<TemplateVariable>,
}

pub fn template_list(ctx: &Ctx, _: &crate::rpc::NoParams) -> Result<TemplateListResult> {
    Ok(TemplateListResult {
        templates: templates::list(ctx.store().conn())?,
        variables: tpl::VARIABLES
            .iter()
            .map(|(n, d)| TemplateVariable {
                name: n.to_string(),
                description: d.to_string(),
            })
            .collect(),
    })
}

#[derive(Debug, Clone, Deserialize, Serialize, ts_rs::TS)]
pub struct TemplateNameParams {
    pub name: String,
}

pub fn template_show(ctx: &Ctx, p: &TemplateNameParams) -> Result<Template> {
    Ok(templates::get(ctx.store().conn(), &p.name)?)
}

#[derive(Debug, Clone, Deserialize, Serialize, ts_rs::TS)]
pub struct TemplateSaveParams {
    pub name: String,
    /// Set these variants (created or replaced); the template's other variants stay.
    pub variants: Vec<TemplateVariant>,
}

/// Creates or updates a template. Every body is checked first: an unknown `{variable}` is
/// refused naming it, and nothing is stored.
pub fn template_save(ctx: &Ctx, p: &TemplateSaveParams) -> Result<Template> {
    let now = ctx.now();
    Ok(ctx
        .store()
        .write(|tx| templates::save(tx, &p.name, &p.variants, now))?)
}

#[derive(Debug, Clone, Deserialize, Serialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct TemplateDeleteParams {
    pub name: String,
    /// Only this variant; the whole template when absent.
    #[serde(default)]
    pub variant: Option<String>,
}

/// Deletes a template or one of its variants; returns what it was.
pub fn template_delete(ctx: &Ctx, p: &TemplateDeleteParams) -> Result<Template> {
    Ok(ctx
        .store()
        .write(|tx| templates::delete(tx, &p.name, p.variant.as_deref()))?)
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct TemplateRenderParams {
    pub name: String,
    pub case_id: i64,
    /// The channel the reply goes out on (`email`, `bluesky`, …); default: the case's first.
    #[serde(default)]
    pub channel: Option<String>,
    /// `public` or `private`; default: the visibility of the conversation a reply on that
    /// channel answers (the case's newest inbound message there).
    #[serde(default)]
    pub visibility: Option<String>,
    /// Preview a take-offline acknowledgement: `email`, `dm` or `phone` gives
    /// `{offline_route}` its words.
    #[serde(default)]
    pub offline_via: Option<String>,
    /// With `offline_via` phone: the call's duration (`12m`) and outcome, which decide between
    /// "we've called you", "we'll call you" and "please call us back".
    #[serde(default)]
    pub call_duration: Option<String>,
    #[serde(default)]
    pub call_outcome: Option<String>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct TemplateRenderResult {
    pub template: String,
    /// The variant used (channel, then visibility, then `default`).
    pub variant: String,
    pub channel: Option<String>,
    pub visibility: Option<String>,
    pub text: String,
}

pub fn template_render(ctx: &Ctx, p: &TemplateRenderParams) -> Result<TemplateRenderResult> {
    let sb = ctx.store();
    let conn = sb.conn();
    let t = templates::get(conn, &p.name)?;
    let facts = offline::case_facts(conn, p.case_id)?;
    let channel = match &p.channel {
        Some(c) => Some(c.trim().to_ascii_lowercase()),
        None => switchboard_store::cases::summary(conn, p.case_id)?
            .channels
            .into_iter()
            .next(),
    };
    let visibility = match p.visibility.as_deref() {
        Some(v) => Some(parse_visibility(v)?.to_string()),
        None => offline::reply_visibility(conn, p.case_id, channel.as_deref())?,
    };
    let route = match p.offline_via.as_deref() {
        Some(via) => {
            let via = crate::offline::parse_via(via, p.case_id)?;
            let call =
                crate::offline::call_of(p.call_duration.as_deref(), p.call_outcome.as_deref())?;
            Some(crate::offline::offline_route(via, Some(&call)))
        }
        None => None,
    };
    let (variant, text) = render_with(
        conn,
        &t,
        &facts,
        channel.as_deref(),
        visibility.as_deref(),
        route,
    )?;
    Ok(TemplateRenderResult {
        template: t.name,
        variant,
        channel,
        visibility,
        text,
    })
}

pub(crate) fn parse_visibility(v: &str) -> Result<&'static str> {
    match v.trim().to_ascii_lowercase().as_str() {
        "public" => Ok("public"),
        "private" => Ok("private"),
        other => Err(ApiError::invalid(format!(
            "bad visibility {other:?}: use public or private"
        ))),
    }
}

/// Picks the variant and renders it for the case. `offline_route` is what `{offline_route}`
/// says (only taking a case offline knows it). Errors name the template, the variant and the
/// variable that has no value.
pub(crate) fn render_with(
    conn: &switchboard_store::Connection,
    t: &Template,
    facts: &CaseFacts,
    channel: Option<&str>,
    visibility: Option<&str>,
    offline_route: Option<&str>,
) -> Result<(String, String)> {
    let names: Vec<&str> = t.variants.iter().map(|v| v.variant.as_str()).collect();
    let variant = tpl::pick_variant(&names, channel, visibility).ok_or_else(|| {
        ApiError::new(
            Code::NotFound,
            format!(
                "template {:?} has no variant for {} (it has: {}); add a {:?} or \"default\" variant",
                t.name,
                [channel, visibility]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" / "),
                names.join(", "),
                visibility.or(channel).unwrap_or("default"),
            ),
        )
    })?;
    let body = &t
        .variants
        .iter()
        .find(|v| v.variant == variant)
        .expect("picked from the list")
        .body;
    let mut values = values_for(conn, facts, channel)?;
    values.insert(
        "offline_route",
        offline_route.map(str::to_string).ok_or_else(|| {
            "only taking a case offline says how the conversation continues \
             (preview it with offline_via: email, dm or phone)"
                .to_string()
        }),
    );
    let text = tpl::render(body, &values).map_err(|e| {
        ApiError::invalid(format!(
            "cannot render template {:?} ({variant}) for case #{}: {e}",
            t.name, facts.case_id
        ))
    })?;
    Ok((variant.to_string(), text))
}

fn channel_label(channel: &str) -> String {
    match channel {
        "email" => "email".into(),
        "bluesky" => "Bluesky".into(),
        "mastodon" => "Mastodon".into(),
        "x" => "X".into(),
        "telegram" => "Telegram".into(),
        "phone" => "the phone".into(),
        "in_person" => "a visit".into(),
        other => other.to_string(),
    }
}

fn values_for(
    conn: &switchboard_store::Connection,
    facts: &CaseFacts,
    channel: Option<&str>,
) -> Result<Values> {
    let display = facts
        .contact_name
        .clone()
        .or_else(|| facts.identities.iter().find_map(|i| i.display_name.clone()))
        .filter(|n| !n.trim().is_empty());
    let handle = facts
        .identities
        .iter()
        .find_map(|i| i.handle.clone())
        .or_else(|| {
            facts
                .identities
                .iter()
                .find(|i| i.channel != "email")
                .map(|i| i.external_id.clone())
        });
    let (first, last) = display
        .as_deref()
        .map(tpl::split_name)
        .unwrap_or((None, None));
    let no_name = || "the customer has no name or handle on record".to_string();
    let setting = |key: &str| -> Result<Result<String, String>> {
        Ok(settings::get_string(conn, key)?
            .ok_or_else(|| format!("set it with `switchboard settings set {key} VALUE`")))
    };
    let mut v = Values::new();
    v.insert(
        "first_name",
        first.clone().or(handle.clone()).ok_or_else(no_name),
    );
    v.insert(
        "last_name",
        last.ok_or_else(|| "the customer's last name is not known".to_string()),
    );
    v.insert("name", display.or(handle).ok_or_else(no_name));
    v.insert("case_ref", Ok(format!("#{}", facts.case_id)));
    v.insert(
        "subject",
        facts
            .subject
            .clone()
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| "the case has no subject".to_string()),
    );
    v.insert("business_name", setting(settings::BUSINESS_NAME)?);
    v.insert("agent_name", setting(settings::AGENT_NAME)?);
    v.insert(
        "channel",
        channel
            .map(channel_label)
            .ok_or_else(|| "the case has no channel yet".to_string()),
    );
    Ok(v)
}
