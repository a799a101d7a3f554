//! Bluesky against a REAL local AT Protocol network (@atproto/dev-env: PLC, PDS, AppView),
//! started by `tests/servers/atproto.sh up` (scripts/test.sh does it before the `--ignored`
//! phase). Each run creates its own accounts, so it can run again on the same network.
//!
//! Covered end to end: sign-in with the PDS found from the handle (resolveHandle, then the
//! DID document in the local PLC), a customer's mention becomes a case, our reply is posted
//! with root/parent refs and shows in the thread read back from the AppView, the customer's
//! answer joins the same case, and after a restart the stored cursor picks up exactly the new
//! mentions (none missed, none doubled).

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use switchboard_api::social_account::{AddBlueskyParams, account_add_bluesky};
use switchboard_api::{Ctx, MemorySecrets, Secrets, SystemClock};

struct Net {
    pds: String,
    plc: String,
    http: reqwest::Client,
}

fn net() -> Net {
    let pds = std::env::var("SB_TEST_ATPROTO_PDS")
        .expect("needs servers: run `eval \"$(tests/servers/atproto.sh up)\"` first");
    let plc =
        std::env::var("SB_TEST_ATPROTO_PLC").unwrap_or_else(|_| "http://localhost:2582".into());
    Net {
        pds,
        plc,
        http: switchboard_channels::social::http::client("test").unwrap(),
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

impl Net {
    async fn xrpc(
        &self,
        method: &str,
        nsid: &str,
        body: Option<Value>,
        token: Option<&str>,
    ) -> Value {
        let url = format!("{}/xrpc/{nsid}", self.pds);
        let mut req = if method == "GET" {
            let q: Vec<(String, String)> = body
                .as_ref()
                .and_then(Value::as_object)
                .map(|o| {
                    o.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                        .collect()
                })
                .unwrap_or_default();
            let mut u = url::Url::parse(&url).unwrap();
            for (k, v) in q {
                u.query_pairs_mut().append_pair(&k, &v);
            }
            self.http.get(u)
        } else {
            self.http.post(&url).json(&body.unwrap_or(json!({})))
        };
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let v: Value = resp.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{nsid}: HTTP {status}: {v}");
        v
    }

    /// A fresh account on the local PDS: (handle, did, access token).
    async fn account(&self, prefix: &str) -> (String, String, String) {
        let n = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_micros()
            % 100_000_000;
        let handle = format!("{prefix}{n}.test");
        let a = self
            .xrpc(
                "POST",
                "com.atproto.server.createAccount",
                Some(json!({ "handle": handle, "email": format!("{prefix}{n}@test.invalid"), "password": "pw-12345" })),
                None,
            )
            .await;
        (
            handle,
            a["did"].as_str().unwrap().to_owned(),
            a["accessJwt"].as_str().unwrap().to_owned(),
        )
    }

    /// Posts `text` mentioning `to` (a facet with its DID, as clients do); returns (uri, cid).
    async fn mention(
        &self,
        token: &str,
        did: &str,
        to_handle: &str,
        to_did: &str,
        text: &str,
    ) -> (String, String) {
        let full = format!("@{to_handle} {text}");
        let end = to_handle.len() + 1;
        let r = self
            .xrpc(
                "POST",
                "com.atproto.repo.createRecord",
                Some(json!({
                    "repo": did, "collection": "app.bsky.feed.post",
                    "record": {
                        "$type": "app.bsky.feed.post", "text": full,
                        "createdAt": chrono_now(),
                        "facets": [{ "index": { "byteStart": 0, "byteEnd": end },
                                     "features": [{ "$type": "app.bsky.richtext.facet#mention", "did": to_did }] }],
                    },
                })),
                Some(token),
            )
            .await;
        (
            r["uri"].as_str().unwrap().into(),
            r["cid"].as_str().unwrap().into(),
        )
    }
}

fn chrono_now() -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let secs = ms / 1000;
    // RFC 3339 with milliseconds, UTC, without pulling chrono into the test.
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms % 1000
    )
}

/// Days since 1970-01-01 → (year, month, day) (Howard Hinnant's civil_from_days).
fn civil(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn open_ctx(dir: &std::path::Path, secrets: Arc<MemorySecrets>) -> Ctx {
    let store = switchboard_store::Store::open(dir).unwrap();
    Ctx::with_parts(store, Arc::new(SystemClock), secrets)
}

fn inbound(ctx: &Ctx) -> i64 {
    ctx.store()
        .conn()
        .query_row(
            "SELECT count(*) FROM messages WHERE channel = 'bluesky' AND direction = 'inbound'",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

/// Syncs until `want` inbound messages are stored (the AppView indexes asynchronously).
fn sync_until(ctx: &Ctx, want: i64) {
    let start = Instant::now();
    loop {
        let r = switchboard_api::sync::sync_social_once(ctx, None).unwrap();
        assert!(r.iter().all(|a| a.error.is_none()), "sync failed: {r:?}");
        if inbound(ctx) >= want {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "only {} of {want} mentions arrived",
            inbound(ctx)
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
#[ignore = "needs servers: tests/servers/atproto.sh up"]
fn mention_reply_thread_and_resume_against_a_real_pds() {
    let net = net();
    let rt = rt();
    let (shop_handle, shop_did, _) = rt.block_on(net.account("shop"));
    let (cust_handle, cust_did, cust_token) = rt.block_on(net.account("cust"));
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemorySecrets::default());

    // Sign in: the PDS is found from the handle (resolveHandle on the PDS, DID doc from PLC).
    let ctx = open_ctx(dir.path(), secrets.clone());
    let info = rt
        .block_on(account_add_bluesky(
            &ctx,
            &AddBlueskyParams {
                handle: shop_handle.clone(),
                app_password: "pw-12345".into(),
                name: Some("shop".into()),
                service: None,
                plc_url: Some(net.plc.clone()),
                resolver: Some(net.pds.clone()),
            },
        ))
        .unwrap();
    assert_eq!(info.kind, "bluesky");
    let cfg: Value = ctx
        .store()
        .conn()
        .query_row("SELECT config FROM accounts WHERE name = 'shop'", [], |r| {
            r.get::<_, String>(0)
        })
        .map(|s| serde_json::from_str(&s).unwrap())
        .unwrap();
    assert_eq!(cfg["did"], shop_did.as_str());
    assert_eq!(
        cfg["service"],
        net.pds.trim_end_matches('/'),
        "PDS found via the DID document"
    );
    assert!(
        secrets
            .get(
                "shop",
                switchboard_channels::secrets::SecretKind::AppPassword
            )
            .is_ok()
            && !cfg.to_string().contains("pw-12345"),
        "the app password is in the keychain, never in SQLite"
    );

    // A customer mentions the shop: one case.
    let (m1, _) = rt.block_on(net.mention(
        &cust_token,
        &cust_did,
        &shop_handle,
        &shop_did,
        "my order 1042 never arrived",
    ));
    sync_until(&ctx, 1);
    let case_id: i64 = ctx
        .store()
        .conn()
        .query_row("SELECT id FROM cases", [], |r| r.get(0))
        .unwrap();
    let detail = switchboard_api::case::case_show(&ctx, case_id).unwrap();
    assert_eq!(detail.messages.len(), 1);

    // Reply; it is posted with correct refs and shows in the thread on the AppView.
    let text = "Sorry about that! We are looking into order 1042 right now.";
    let reply = switchboard_api::reply::reply_create(
        &ctx,
        &switchboard_api::reply::ReplyParams {
            case_id,
            text: text.into(),
            account: None,
            private: None,
        },
    )
    .unwrap();
    let f = switchboard_api::outbox::outbox_flush(&ctx, Default::default()).unwrap();
    assert_eq!(f.sent, vec![reply.outbox_id], "{f:?}");
    let start = Instant::now();
    let ours = loop {
        let thread = rt.block_on(net.xrpc(
            "GET",
            "app.bsky.feed.getPostThread",
            Some(json!({ "uri": m1, "depth": "2" })),
            Some(&cust_token),
        ));
        let found = thread["thread"]["replies"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|r| r["post"]["uri"] == reply.external_id.as_str())
            .cloned();
        if let Some(f) = found {
            break f;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "reply not in thread: {thread}"
        );
        std::thread::sleep(Duration::from_millis(300));
    };
    assert_eq!(ours["post"]["record"]["text"], text);
    assert_eq!(ours["post"]["record"]["reply"]["root"]["uri"], m1.as_str());
    assert_eq!(
        ours["post"]["record"]["reply"]["parent"]["uri"],
        m1.as_str()
    );
    assert_eq!(ours["post"]["author"]["did"], shop_did.as_str());

    // The customer answers our reply: same case, reopened.
    let (reply_uri, reply_cid) = (
        ours["post"]["uri"].as_str().unwrap().to_owned(),
        ours["post"]["cid"].as_str().unwrap().to_owned(),
    );
    let m1_cid = rt
        .block_on(net.xrpc(
            "GET",
            "com.atproto.repo.getRecord",
            Some(json!({ "repo": cust_did, "collection": "app.bsky.feed.post", "rkey": m1.rsplit('/').next().unwrap() })),
            None,
        ))["cid"]
        .as_str()
        .unwrap()
        .to_owned();
    rt.block_on(net.xrpc(
        "POST",
        "com.atproto.repo.createRecord",
        Some(json!({ "repo": cust_did, "collection": "app.bsky.feed.post", "record": {
            "$type": "app.bsky.feed.post", "text": "thanks, still waiting though", "createdAt": chrono_now(),
            "reply": { "root": { "uri": m1, "cid": m1_cid }, "parent": { "uri": reply_uri, "cid": reply_cid } } } })),
        Some(&cust_token),
    ));
    sync_until(&ctx, 2);
    let cases: i64 = ctx
        .store()
        .conn()
        .query_row("SELECT count(*) FROM cases", [], |r| r.get(0))
        .unwrap();
    assert_eq!(cases, 1, "the customer's answer joins the same case");
    let detail = switchboard_api::case::case_show(&ctx, case_id).unwrap();
    assert_eq!(detail.messages.len(), 3, "mention, our reply, their answer");

    // Restart: a new process state from the same folder; two more mentions meanwhile.
    drop(ctx);
    rt.block_on(net.mention(
        &cust_token,
        &cust_did,
        &shop_handle,
        &shop_did,
        "also order 1043",
    ));
    rt.block_on(net.mention(&cust_token, &cust_did, &shop_handle, &shop_did, "and 1044"));
    let ctx = open_ctx(dir.path(), secrets);
    sync_until(&ctx, 4);
    // One more pass: nothing new, nothing doubled.
    let r = switchboard_api::sync::sync_social_once(&ctx, None).unwrap();
    assert_eq!(r[0].social.as_ref().unwrap().stored(), 0, "{r:?}");
    assert_eq!(
        inbound(&ctx),
        4,
        "exactly the two new mentions after the restart"
    );
    let handle: String = ctx
        .store()
        .conn()
        .query_row(
            "SELECT handle FROM identities WHERE external_id = ?1",
            [&cust_did],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        handle, cust_handle,
        "identity keyed on the DID, with the handle"
    );
}
