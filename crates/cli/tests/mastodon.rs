//! `switchboard account add mastodon`: bad input is refused before any network or keychain use;
//! against mastodon_mock (ignored: needs the server and the OS keychain) both the token and the
//! browser sign-in connect the account, once.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Stdio;

use serde_json::Value;
use support::*;

fn mock_url() -> String {
    std::env::var("SB_TEST_MASTODON_URL").unwrap_or("http://127.0.0.1:14300".into())
}

fn accounts(sb: &Sb) -> Vec<Value> {
    sb.json(&["account", "list", "--json"])
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn a_server_address_that_is_not_safe_or_not_an_address_is_refused_and_nothing_is_saved() {
    let sb = Sb::new();
    let before = accounts(&sb).len();
    let m = sb
        .fail(&[
            "account",
            "add",
            "mastodon",
            "--server",
            "http://mastodon.example",
            "--token-stdin",
        ])
        .error_message()
        .to_string();
    assert!(
        m.contains("plain http is only allowed for a server on this machine"),
        "{m}"
    );
    let m = sb
        .fail(&["account", "add", "mastodon", "--server", "ftp://m.example"])
        .error_message()
        .to_string();
    assert!(m.contains("only https:// is supported"), "{m}");
    let m = sb
        .fail(&[
            "account",
            "add",
            "mastodon",
            "--server",
            "m.example",
            "--visibility",
            "followers",
            "--token-stdin",
        ])
        .error_message()
        .to_string();
    assert!(m.contains("not public or unlisted"), "{m}");
    assert_eq!(accounts(&sb).len(), before, "nothing was saved");
}

#[test]
fn an_empty_token_is_refused() {
    let sb = Sb::new();
    let m = sb
        .fail(&[
            "account",
            "add",
            "mastodon",
            "--server",
            "m.example",
            "--token-stdin",
        ])
        .error_message()
        .to_string();
    assert!(m.contains("the access token is empty"), "{m}");
}

fn add_with_token(sb: &Sb, token: &str, extra: &[&str]) -> Run {
    let mut c = sb.command();
    let mut args = vec![
        "account".to_string(),
        "add".into(),
        "mastodon".into(),
        "--server".into(),
        mock_url(),
        "--token-stdin".into(),
        "--json".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    c.args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{token}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    Run::from_output(args.join(" "), out)
}

#[test]
#[ignore = "needs servers: mastodon_mock (tests/servers/mastodon.sh up) and the OS keychain (scripts/with-keyring.sh)"]
fn a_token_connects_the_account_once() {
    let sb = Sb::new();
    let r = add_with_token(&sb, "bob_token", &["--name", "shop-mastodon"]);
    assert!(r.success(), "{}\n{}", r.stdout, r.stderr);
    let v = r.json();
    assert_eq!(v["name"], "shop-mastodon");
    assert!(v["acct"].as_str().unwrap().starts_with("bob@"), "{v}");
    assert_eq!(v["max_characters"], 500, "the mock's instance limit");
    let list = accounts(&sb);
    let a = list
        .iter()
        .find(|a| a["name"] == "shop-mastodon")
        .expect("listed");
    assert_eq!(a["kind"], "mastodon");

    let again = add_with_token(&sb, "bob_token", &["--name", "other"]);
    let m = again.error_message();
    assert!(
        m.contains("is already connected as \"shop-mastodon\""),
        "{m}"
    );

    let bad = add_with_token(&sb, "not-a-token", &["--name", "x"]);
    let m = bad.error_message();
    assert!(
        m.contains("sign-in needed"),
        "a refused token is named: {m}"
    );
    sb.ok(&["account", "remove", "shop-mastodon"]);
}

/// Plain HTTP/1.1 over a socket: the mock and the loopback listener are both on this machine.
fn http_request(url: &str, method: &str, body: Option<&str>) -> (u16, Vec<(String, String)>) {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut s = TcpStream::connect(host).unwrap();
    let body = body.unwrap_or("");
    write!(
        s,
        "{method} /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    let mut lines = resp.lines();
    let status = lines.next().unwrap().split_whitespace().nth(1).unwrap();
    let headers = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (status.parse().unwrap(), headers)
}

#[test]
#[ignore = "needs servers: mastodon_mock (tests/servers/mastodon.sh up) and the OS keychain (scripts/with-keyring.sh)"]
fn the_browser_sign_in_prints_the_url_and_connects_when_the_browser_comes_back() {
    let sb = Sb::new();
    let mut child = sb
        .command()
        .args([
            "account",
            "add",
            "mastodon",
            "--server",
            &mock_url(),
            "--name",
            "via-browser",
            "--no-browser",
            "--json",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut url = String::new();
    let mut line = String::new();
    while err.read_line(&mut line).unwrap() > 0 {
        if let Some(u) = line.trim().strip_prefix("http") {
            url = format!("http{u}");
            break;
        }
        line.clear();
    }
    assert!(url.contains("/oauth/authorize?"), "printed the URL: {url}");
    assert!(url.contains("code_challenge_method=S256"), "PKCE: {url}");
    // The "browser": the mock's authorize form takes the user name, then redirects.
    let (authorize, query) = url.split_once('?').unwrap();
    let (status, headers) = http_request(authorize, "POST", Some(&format!("{query}&username=bob")));
    assert!(
        (300..400).contains(&status),
        "authorize redirects: {status}"
    );
    let location = headers
        .iter()
        .find(|(k, _)| k == "location")
        .map(|(_, v)| v.clone())
        .unwrap();
    let (status, _) = http_request(&location, "GET", None);
    assert_eq!(status, 200, "the loopback page thanks the user");
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{stdout}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["name"], "via-browser");
    assert!(v["acct"].as_str().unwrap().starts_with("bob@"));
    sb.ok(&["account", "remove", "via-browser"]);
}
