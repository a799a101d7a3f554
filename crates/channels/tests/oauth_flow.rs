//! The OAuth2 desktop flow against a local mock provider: the test plays both the provider
//! (a small HTTP server with authorize-less token and refresh endpoints) and the browser (it
//! follows the authorization URL's redirect_uri with a code and the state).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sha2::{Digest, Sha256};
use switchboard_channels::email::imap::ErrorClass;
use switchboard_channels::oauth::{
    AccessTokens, ClientRegistration, Endpoints, OAuthClient, OAuthError, Provider, registration,
};
use switchboard_channels::secrets::{MemorySecrets, Secret, SecretKind, Secrets};

#[derive(Debug, Clone)]
struct Request {
    path: String,
    form: HashMap<String, String>,
}

type Handler = dyn Fn(&Request) -> (u16, String, Vec<(String, String)>) + Send + Sync;

/// A tiny HTTP/1.1 server on 127.0.0.1: records every request, answers with `handler`.
struct MockProvider {
    base: String,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl MockProvider {
    fn start(handler: Box<Handler>) -> MockProvider {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = requests.clone();
        let handler: Arc<Handler> = Arc::from(handler);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let log = log.clone();
                let handler = handler.clone();
                std::thread::spawn(move || serve(stream, &log, &*handler));
            }
        });
        MockProvider { base, requests }
    }

    fn endpoints(&self) -> Endpoints {
        Endpoints {
            auth_url: format!("{}/authorize", self.base),
            token_url: format!("{}/token", self.base),
            scopes: vec!["https://mail.google.com/".into()],
            extra_auth_params: vec![("access_type".into(), "offline".into())],
        }
    }

    fn client(&self) -> OAuthClient {
        OAuthClient::new(
            self.endpoints(),
            ClientRegistration {
                client_id: "test-client".into(),
                client_secret: Some(Secret::new("not-secret")),
            },
        )
        .expect("client")
    }

    fn requests(&self) -> Vec<Request> {
        self.requests.lock().expect("log").clone()
    }
}

fn form_decode(body: &str) -> HashMap<String, String> {
    url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect()
}

fn serve(stream: TcpStream, log: &Mutex<Vec<Request>>, handler: &Handler) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let mut len = 0usize;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            len = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0u8; len];
    let _ = reader.read_exact(&mut body);
    let req = Request {
        path,
        form: form_decode(&String::from_utf8_lossy(&body)),
    };
    log.lock().expect("log").push(req.clone());
    let (status, body, headers) = handler(&req);
    let mut out = stream;
    let mut resp = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        resp.push_str(&format!("{k}: {v}\r\n"));
    }
    resp.push_str("\r\n");
    resp.push_str(&body);
    let _ = out.write_all(resp.as_bytes());
}

fn json(status: u16, body: &str) -> (u16, String, Vec<(String, String)>) {
    (status, body.to_string(), vec![])
}

/// base64url without padding (RFC 7636 appendix A).
fn b64url(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// Plays the browser: after the user "consents", the provider redirects to redirect_uri.
/// `tamper` may change the query before the request is made.
fn browser(url: &url::Url, tamper: impl Fn(&mut Vec<(String, String)>) + Send + 'static) {
    let q: HashMap<String, String> = url.query_pairs().into_owned().collect();
    let redirect = url::Url::parse(&q["redirect_uri"]).expect("redirect_uri");
    assert_eq!(redirect.host_str(), Some("127.0.0.1"), "loopback only");
    let mut params = vec![
        ("code".to_string(), "the-code".to_string()),
        ("state".to_string(), q["state"].clone()),
    ];
    tamper(&mut params);
    std::thread::spawn(move || {
        // A stray request first, as browsers do: it must not end the wait.
        let port = redirect.port().expect("port");
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
            let _ = s.write_all(b"GET /favicon.ico HTTP/1.1\r\nHost: x\r\n\r\n");
            let mut sink = String::new();
            let _ = s.read_to_string(&mut sink);
        }
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish();
        let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect loopback");
        let _ =
            s.write_all(format!("GET /?{query} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").as_bytes());
        let mut resp = String::new();
        let _ = s.read_to_string(&mut resp);
    });
}

fn token_ok() -> Box<Handler> {
    Box::new(
        |r: &Request| match r.form.get("grant_type").map(String::as_str) {
            Some("authorization_code") => json(
                200,
                r#"{"access_token":"at-1","token_type":"Bearer","expires_in":3600,"refresh_token":"rt-1"}"#,
            ),
            Some("refresh_token") => json(
                200,
                r#"{"access_token":"at-2","token_type":"Bearer","expires_in":3600,"refresh_token":"rt-2"}"#,
            ),
            _ => json(400, r#"{"error":"unsupported_grant_type"}"#),
        },
    )
}

#[tokio::test]
async fn sign_in_uses_pkce_s256_checks_state_and_exchanges_the_code() {
    let mock = MockProvider::start(token_ok());
    let client = mock.client();
    let seen = Arc::new(Mutex::new(None::<url::Url>));
    let seen2 = seen.clone();
    let tokens = client
        .sign_in(
            Some("ann@shop.example"),
            move |u| {
                *seen2.lock().expect("seen") = Some(u.clone());
                browser(u, |_| {});
            },
            Duration::from_secs(20),
            || 1_000,
        )
        .await
        .expect("sign in");
    assert_eq!(tokens.access_token.expose(), "at-1");
    assert_eq!(
        tokens.refresh_token.as_ref().map(Secret::expose),
        Some("rt-1")
    );
    assert_eq!(tokens.expires_at, Some(1_000 + 3_600_000));

    let url = seen.lock().expect("seen").clone().expect("url opened");
    let q: HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], "test-client");
    assert_eq!(q["login_hint"], "ann@shop.example");
    assert_eq!(q["access_type"], "offline");
    assert!(q["scope"].contains("https://mail.google.com/"));
    assert!(q["state"].len() >= 16, "an unguessable state");

    let reqs = mock.requests();
    let token_req = reqs
        .iter()
        .find(|r| r.path == "/token")
        .expect("a token request");
    assert_eq!(token_req.form["grant_type"], "authorization_code");
    assert_eq!(token_req.form["code"], "the-code");
    assert_eq!(
        token_req.form["redirect_uri"], q["redirect_uri"],
        "same redirect_uri"
    );
    let verifier = &token_req.form["code_verifier"];
    assert_eq!(
        b64url(&Sha256::digest(verifier.as_bytes())),
        q["code_challenge"],
        "the verifier sent to the token endpoint matches the challenge in the browser URL"
    );
}

#[tokio::test]
async fn a_redirect_with_another_state_is_refused() {
    let mock = MockProvider::start(token_ok());
    let err = mock
        .client()
        .sign_in(
            None,
            |u| {
                browser(u, |p| p[1].1 = "forged-state".into());
            },
            Duration::from_secs(20),
            || 0,
        )
        .await
        .expect_err("must refuse");
    assert!(matches!(err, OAuthError::StateMismatch), "{err}");
    assert!(
        mock.requests().iter().all(|r| r.path != "/token"),
        "no code is exchanged after a state mismatch"
    );
}

#[tokio::test]
async fn a_refusal_in_the_browser_is_reported() {
    let mock = MockProvider::start(token_ok());
    let err = mock
        .client()
        .sign_in(
            None,
            |u| {
                browser(u, |p| {
                    p.retain(|(k, _)| k != "code");
                    p.push(("error".into(), "access_denied".into()));
                    p.push(("error_description".into(), "The user said no".into()));
                });
            },
            Duration::from_secs(20),
            || 0,
        )
        .await
        .expect_err("denied");
    assert!(matches!(err, OAuthError::Denied(_)), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("access_denied") && text.contains("The user said no"),
        "{text}"
    );
    assert_eq!(err.class(), ErrorClass::Auth);
}

#[tokio::test]
async fn refresh_rotates_the_stored_refresh_token_and_caches_the_access_token() {
    let mock = MockProvider::start(token_ok());
    let client = mock.client();
    let secrets = MemorySecrets::default();
    secrets
        .set("gmail", SecretKind::RefreshToken, &Secret::new("rt-1"))
        .expect("set");
    let tokens = AccessTokens::new();
    let at = tokens
        .get(&client, &secrets, "gmail", 0, false)
        .await
        .expect("refresh");
    assert_eq!(at.expose(), "at-2");
    assert_eq!(
        secrets
            .get("gmail", SecretKind::RefreshToken)
            .expect("rt")
            .expose(),
        "rt-2",
        "the rotated refresh token replaces the old one in the keychain"
    );
    let refresh_req = mock
        .requests()
        .into_iter()
        .find(|r| r.form.get("grant_type").map(String::as_str) == Some("refresh_token"))
        .expect("a refresh request");
    assert_eq!(refresh_req.form["refresh_token"], "rt-1");

    // Cached while valid: no second call.
    let n = mock.requests().len();
    tokens
        .get(&client, &secrets, "gmail", 1_000, false)
        .await
        .expect("cached");
    assert_eq!(mock.requests().len(), n, "served from memory");
    // Near expiry, or when a server refused it: refreshed again, with the rotated token.
    tokens
        .get(&client, &secrets, "gmail", 3_600_000, false)
        .await
        .expect("refresh near expiry");
    assert_eq!(mock.requests().len(), n + 1);
    tokens
        .get(&client, &secrets, "gmail", 0, true)
        .await
        .expect("forced refresh");
    let last = mock.requests().pop().expect("request");
    assert_eq!(last.form["refresh_token"], "rt-2");
}

#[tokio::test]
async fn an_expired_refresh_token_is_a_clear_auth_error() {
    let mock = MockProvider::start(Box::new(|_: &Request| {
        json(
            400,
            r#"{"error":"invalid_grant","error_description":"Token has been expired or revoked."}"#,
        )
    }));
    let secrets = MemorySecrets::default();
    secrets
        .set("work", SecretKind::RefreshToken, &Secret::new("old"))
        .expect("set");
    let err = AccessTokens::new()
        .get(&mock.client(), &secrets, "work", 0, false)
        .await
        .expect_err("expired");
    assert_eq!(err.class(), ErrorClass::Auth);
    let text = err.to_string();
    assert!(
        text.contains("\"work\"")
            && text.contains("sign in again")
            && text.contains("invalid_grant"),
        "{text}"
    );
    // No refresh token at all is the same situation.
    let err = AccessTokens::new()
        .get(&mock.client(), &MemorySecrets::default(), "work", 0, false)
        .await
        .expect_err("missing");
    assert_eq!(err.class(), ErrorClass::Auth);
}

#[tokio::test]
async fn the_token_client_does_not_follow_redirects() {
    let mock = MockProvider::start(Box::new(|r: &Request| {
        if r.path == "/token" {
            (
                302,
                String::new(),
                vec![("Location".into(), "/stolen".into())],
            )
        } else {
            json(200, r#"{"access_token":"x","token_type":"Bearer"}"#)
        }
    }));
    let secrets = MemorySecrets::default();
    secrets
        .set("a", SecretKind::RefreshToken, &Secret::new("rt"))
        .expect("set");
    let err = AccessTokens::new()
        .get(&mock.client(), &secrets, "a", 0, false)
        .await
        .expect_err("a redirect is not a token");
    assert!(
        mock.requests().iter().all(|r| r.path != "/stolen"),
        "the refresh token was not carried to the redirect target: {err}"
    );
}

#[test]
fn client_ids_come_from_configuration_with_a_clear_error_when_missing() {
    if std::env::var_os("SWITCHBOARD_MICROSOFT_CLIENT_ID").is_some() {
        return; // the environment overrides the file; nothing to prove here
    }
    let dir = tempfile::tempdir().expect("dir");
    let err = registration(Provider::Microsoft, dir.path()).expect_err("none configured");
    let text = err.to_string();
    assert!(
        text.contains("SWITCHBOARD_MICROSOFT_CLIENT_ID") && text.contains("oauth.json"),
        "{text}"
    );
    std::fs::write(
        dir.path().join("oauth.json"),
        r#"{"microsoft": {"client_id": "my-entra-app"}}"#,
    )
    .expect("write");
    let r = registration(Provider::Microsoft, dir.path()).expect("configured");
    assert_eq!(r.client_id, "my-entra-app");
    assert!(r.client_secret.is_none(), "a public client");
}
