//! The Mastodon provider against the stateful mastodon_mock server (PyPI 0.6.1): the browser
//! sign-in (app registration, PKCE, loopback), a mention in, a reply out (with its parent and
//! Idempotency-Key, seen on the server), a direct conversation, and resuming from the cursor
//! without duplicates. Start the server with `eval "$(bash tests/servers/mastodon.sh up)"`.
//!
//! Both tests reset the mock's data, so they hold one lock and run one after the other.

use std::sync::OnceLock;
use std::time::Duration;

use serde_json::{Value, json};
use switchboard_channels::secrets::Secret;
use switchboard_channels::social::mastodon::{
    self, Config, Mastodon, PublicVisibility, signin::SignIn,
};
use switchboard_channels::social::{
    Author, FetchNew, ItemKind, Outgoing, PrivateMessage, PublicReply, Reconcile, ReplyTo,
    Visibility, http,
};

const NOT_RUNNING: &str =
    "mastodon_mock is not running: eval \"$(bash tests/servers/mastodon.sh up)\"";

fn base() -> url::Url {
    let u = std::env::var("SB_TEST_MASTODON_URL").unwrap_or("http://127.0.0.1:14300".into());
    mastodon::server_url(&u).unwrap()
}

fn lock() -> &'static tokio::sync::Mutex<()> {
    static L: OnceLock<tokio::sync::Mutex<()>> = OnceLock::new();
    L.get_or_init(|| tokio::sync::Mutex::new(()))
}

fn client() -> reqwest::Client {
    http::client("mastodon").unwrap()
}

async fn reset() {
    let r = client()
        .post(base().join("api/v1/_mock/reset").unwrap())
        .send()
        .await
        .expect(NOT_RUNNING);
    assert!(r.status().is_success(), "reset: {}", r.status());
}

/// A call as one of the seeded users (alice plays the customer).
async fn as_user(token: &str, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
    let mut req = client()
        .request(method, base().join(path).unwrap())
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    assert!(status.is_success(), "{path}: {status} {v}");
    v
}

async fn alice_posts(text: &str, visibility: &str) -> String {
    let v = as_user(
        "alice_token",
        reqwest::Method::POST,
        "api/v1/statuses",
        Some(json!({"status": text, "visibility": visibility})),
    )
    .await;
    v["id"].as_str().unwrap().to_string()
}

/// The browser's part of the sign-in: the mock's authorize form takes the user name (standing
/// in for the login page) and redirects to our loopback with the code and state.
async fn browser_signs_in_as(authorize_url: url::Url, username: &str) -> u16 {
    let mut form: Vec<(String, String)> = authorize_url.query_pairs().into_owned().collect();
    form.push(("username".into(), username.into()));
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .tls_backend_preconfigured(
            rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth(),
        )
        .build()
        .unwrap();
    let mut auth = authorize_url.clone();
    auth.set_query(None);
    let r = no_redirects.post(auth).form(&form).send().await.unwrap();
    assert!(r.status().is_redirection(), "authorize: {}", r.status());
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let back = no_redirects.get(location).send().await.unwrap();
    back.status().as_u16()
}

async fn signed_in_bob() -> (Config, Secret) {
    let http = client();
    let s = SignIn::begin(&http, &base(), 0).await.expect(NOT_RUNNING);
    assert!(s.redirect_uri.starts_with("http://127.0.0.1:"));
    let browser = tokio::spawn(browser_signs_in_as(s.authorize_url.clone(), "bob"));
    let done = s
        .finish(&http, Duration::from_secs(20), || 0)
        .await
        .unwrap();
    assert_eq!(
        browser.await.unwrap(),
        200,
        "the loopback page thanked the user"
    );
    let inst = mastodon::fetch_instance(&http, &base(), 0).await.unwrap();
    let me = mastodon::verify_credentials(&http, &base(), &done.token, &inst.domain, 0)
        .await
        .unwrap();
    assert_eq!(
        me.author.handle.as_deref(),
        Some(format!("bob@{}", inst.domain).as_str()),
        "the token is bob's"
    );
    let cfg = Config {
        server: base().to_string(),
        account_id: me.account_id,
        acct: me.author.handle.unwrap(),
        account_uri: me.author.external_id,
        client_id: Some(done.client_id),
        public_visibility: PublicVisibility::Public,
        limits: Default::default(),
    };
    (cfg, done.token)
}

#[tokio::test]
#[ignore = "needs servers: mastodon_mock (tests/servers/mastodon.sh up)"]
async fn sign_in_mention_reply_direct_and_resume_without_duplicates() {
    let _g = lock().lock().await;
    reset().await;
    let (cfg, token) = signed_in_bob().await;
    let mut m = Mastodon::connect(&cfg, token.expose(), client())
        .await
        .unwrap();

    // A customer mentions us.
    let mention = alice_posts("@bob my parcel never arrived", "public").await;
    let page = m.fetch_since("notifications", None).await.unwrap();
    assert_eq!(page.items.len(), 1);
    let item = &page.items[0];
    assert_eq!(item.external_id, mention);
    assert_eq!(item.kind, ItemKind::Mention);
    assert_eq!(item.text, "@bob my parcel never arrived");
    let c1 = page.cursor.clone().expect("a cursor");

    // We answer in the thread.
    let out = Outgoing {
        idempotency_key: "outbox-1-first".into(),
        text: "so sorry, we are on it".into(),
        visibility: Visibility::Public,
        reply_to: Some(ReplyTo {
            external_id: item.external_id.clone(),
            conversation_key: item.conversation_key.clone(),
            extra: item.extra.clone(),
        }),
        recipient: None,
    };
    let sent = m.send_public_reply(&out).await.unwrap();
    assert_eq!(sent.conversation_key, mention);
    let seen = as_user(
        "alice_token",
        reqwest::Method::GET,
        &format!("api/v1/statuses/{mention}/context"),
        None,
    )
    .await;
    let replies: Vec<&Value> = seen["descendants"].as_array().unwrap().iter().collect();
    assert_eq!(
        replies.len(),
        1,
        "the customer sees one reply in the thread"
    );
    assert_eq!(replies[0]["id"], sent.external_id.as_str());
    assert_eq!(replies[0]["in_reply_to_id"], mention.as_str());
    assert!(
        replies[0]["content"].as_str().unwrap().contains("@alice"),
        "the reply mentions the customer so they are notified"
    );

    // A retry with the same key is answered with the same status: the server honours it.
    let again = m.send_public_reply(&out).await.unwrap();
    assert_eq!(again.external_id, sent.external_id);
    // And the read-back finds it.
    let found = m
        .find_sent(&out)
        .await
        .unwrap()
        .expect("reconcile finds it");
    assert_eq!(found.external_id, sent.external_id);

    // The customer answers, then writes privately.
    let answer = as_user(
        "alice_token",
        reqwest::Method::POST,
        "api/v1/statuses",
        Some(json!({"status": "@bob thanks!", "in_reply_to_id": sent.external_id, "visibility": "public"})),
    )
    .await;
    let dm = alice_posts("@bob my address is 1 Main St", "direct").await;
    let page = m.fetch_since("notifications", Some(&c1)).await.unwrap();
    let ids: Vec<_> = page.items.iter().map(|i| i.external_id.clone()).collect();
    assert_eq!(
        ids,
        [answer["id"].as_str().unwrap().to_string(), dm.clone()]
    );
    assert_eq!(
        page.items[0].conversation_key, mention,
        "the answer joins the first mention's thread"
    );
    assert_eq!(page.items[1].kind, ItemKind::Direct);
    assert_eq!(page.items[1].visibility, Visibility::Private);
    let c2 = page.cursor.clone().unwrap();

    let conv = m.fetch_since("conversations", None).await.unwrap();
    assert!(
        conv.items.iter().any(|i| i.external_id == dm),
        "the direct status is in the conversations stream too"
    );

    // A restart: a new connection resumes from the stored cursor; nothing comes twice.
    drop(m);
    let mut m = Mastodon::connect(&cfg, token.expose(), client())
        .await
        .unwrap();
    let page = m.fetch_since("notifications", Some(&c2)).await.unwrap();
    assert!(page.items.is_empty(), "no duplicates after a restart");
    assert_eq!(page.cursor.as_deref(), Some(c2.as_str()));
    let later = alice_posts("@bob one more thing", "public").await;
    let page = m.fetch_since("notifications", Some(&c2)).await.unwrap();
    let ids: Vec<_> = page.items.iter().map(|i| i.external_id.clone()).collect();
    assert_eq!(ids, [later]);

    // A private answer to the DM reaches the customer's conversations.
    let out = Outgoing {
        idempotency_key: "outbox-2-dm".into(),
        text: "thanks, we will ship again today".into(),
        visibility: Visibility::Private,
        reply_to: None,
        recipient: Some(Author {
            channel: "mastodon".into(),
            external_id: page.items[0].author.external_id.clone(),
            handle: page.items[0].author.handle.clone(),
            display_name: None,
        }),
    };
    let sent_dm = m.send_private(&out).await.unwrap();
    let convs = as_user(
        "alice_token",
        reqwest::Method::GET,
        "api/v1/conversations",
        None,
    )
    .await;
    assert!(
        convs
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["last_status"]["id"] == sent_dm.external_id.as_str()
                && c["last_status"]["visibility"] == "direct"),
        "alice sees our direct status: {convs}"
    );
}

#[tokio::test]
#[ignore = "needs servers: mastodon_mock (tests/servers/mastodon.sh up)"]
async fn the_servers_own_faults_are_classified_and_nothing_is_skipped() {
    let _g = lock().lock().await;
    reset().await;
    let (cfg, token) = signed_in_bob().await;
    let mut m = Mastodon::connect(&cfg, token.expose(), client())
        .await
        .unwrap();
    let first = alice_posts("@bob hello", "public").await;
    let fault = |effect: Value| async move {
        let r = client()
            .post(base().join("api/v1/_mock/faults").unwrap())
            .json(&json!({
                "match": {"methods": ["GET"], "path": "/api/v1/notifications"},
                "effect": effect,
                "count": 1
            }))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "fault: {}", r.status());
    };

    fault(json!({"type": "ratelimit"})).await;
    let e = m.fetch_since("notifications", None).await.unwrap_err();
    assert_eq!(e.class(), "rate_limited", "{e}");
    assert!(
        matches!(
            e,
            switchboard_channels::social::ChannelError::RateLimited {
                retry_at: Some(_),
                ..
            }
        ),
        "the reset header gives a time: {e:?}"
    );
    let e = m.fetch_since("notifications", None).await.unwrap_err();
    assert_eq!(
        e.class(),
        "rate_limited",
        "until the reset, the provider does not even ask: {e}"
    );
    // The engine waits until `retry_at`; here a later connection (with its own clock) stands
    // in for that wait.
    let mut m = m.with_clock(|| i64::MAX / 2);

    fault(json!({"type": "malformed"})).await;
    let e = m.fetch_since("notifications", None).await.unwrap_err();
    assert_eq!(e.class(), "permanent", "{e}");
    assert!(e.to_string().contains("malformed"), "{e}");

    fault(json!({"type": "status", "status": 503})).await;
    let e = m.fetch_since("notifications", None).await.unwrap_err();
    assert_eq!(e.class(), "retryable", "{e}");

    // The faults are used up: the mention is still there, nothing was skipped.
    let page = m.fetch_since("notifications", None).await.unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].external_id, first);

    // A revoked token.
    let r = client()
        .post(base().join("oauth/revoke").unwrap())
        .form(&[
            ("token", token.expose()),
            ("client_id", cfg.client_id.as_deref().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "revoke: {}", r.status());
    let e = m
        .fetch_since("notifications", page.cursor.as_deref())
        .await
        .unwrap_err();
    assert_eq!(e.class(), "auth", "{e}");
}
