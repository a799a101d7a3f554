//! The command table (`switchboard_api::rpc`) over loopback HTTP, so a browser can drive the
//! real backend: the end-to-end tests in ui/e2e, and `switchboard serve` for a look without the
//! desktop window.
//!
//! Why it is safe to run: it binds 127.0.0.1 only (never a public interface), on a random port
//! unless told otherwise, and every request except the static UI needs a fresh 32-byte bearer
//! token, compared in constant time. It is off unless someone runs `switchboard serve`.
//! Beyond that, a local process or a web page must not be able to wear it down or reach it
//! through a renamed host:
//! - the token is checked from the headers, before any of the body is read, so a wrong token
//!   costs the server nothing however large the body claims to be;
//! - a client gets [`REQUEST_READ_TIMEOUT`] to send its headers (and, once authorized, its
//!   body); a half-sent request is closed, not held open forever;
//! - only `Host: 127.0.0.1:PORT` or `localhost:PORT` is answered (421 otherwise): a web page
//!   whose own name was re-pointed at 127.0.0.1 (DNS rebinding) sends its own name and is
//!   refused, even for the static UI;
//! - `/events` clients share one bridge from the app's change feed, and a client that goes
//!   away only drops its receiver, so nothing is left waiting for the next store change.
//!
//! - `POST /rpc/<name>`: JSON params in, JSON result out; an error is `{code, message}` with a
//!   status that matches the code.
//! - `GET /events`: server-sent events, one `store-changed` event per committed change set.
//! - anything else: files of the built UI (`--ui ui/dist`), index.html for unknown paths. The
//!   page learns the token from the URL fragment (`#token=`), which browsers never send.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::Stream;
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::Value;
use subtle::ConstantTimeEq;
use switchboard_api::app::{App, reload_everything};
use switchboard_api::{ApiError, ChangeSet, Code, rpc};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, oneshot, watch};
use tokio::task::JoinSet;

/// How long a client may take to send a request's headers (and an authorized request's body)
/// before the connection is closed. Also bounds how long an idle kept-alive connection stays.
pub const REQUEST_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest request body accepted (commands take small JSON parameters).
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// Change sets an `/events` client may fall behind by before it is told to reload everything.
const EVENT_BACKLOG: usize = 256;

/// Content-Security-Policy of the served UI: the same rules as the desktop window, with the
/// server itself as the only place to connect to.
const CSP: &str = "default-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data: blob: https: http:; style-src 'self' 'unsafe-inline'; frame-src 'self'; object-src 'none'; base-uri 'none'";

#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    /// 0 picks a free port.
    pub port: u16,
    /// The built UI (ui/dist) to serve on the same origin.
    pub ui_dir: Option<PathBuf>,
    /// Use this token instead of a random one (tests that restart a server).
    pub token: Option<String>,
    /// How long a client may take to send a request; `None` is [`REQUEST_READ_TIMEOUT`].
    pub read_timeout: Option<Duration>,
}

/// A server that runs until [`Running::stop`] or until dropped.
pub struct Running {
    pub addr: SocketAddr,
    pub token: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    events: broadcast::Sender<ChangeSet>,
}

impl Running {
    /// `http://127.0.0.1:<port>`
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address to open in a browser: the UI with the token in the fragment.
    pub fn ui_url(&self) -> String {
        format!("{}/#token={}", self.base_url(), self.token)
    }

    /// How many `/events` clients are connected right now.
    pub fn event_clients(&self) -> usize {
        self.events.receiver_count()
    }

    /// Stops accepting, lets requests in flight finish for up to a second, then drops the
    /// rest (event streams never finish on their own).
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(Duration::from_secs(1), &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }

    /// Serves until the process is stopped.
    pub async fn wait(mut self) {
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

#[derive(Clone)]
struct Shared {
    app: Arc<App>,
    token: Arc<str>,
    events: broadcast::Sender<ChangeSet>,
    read_timeout: Duration,
}

/// A fresh 32-byte token, hex-encoded.
pub fn new_token() -> std::io::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| std::io::Error::other(format!("cannot draw a random token: {e}")))?;
    Ok(hex::encode(bytes))
}

/// Binds 127.0.0.1 and serves in the background of the current tokio runtime.
pub async fn start(app: Arc<App>, opts: ServeOptions) -> std::io::Result<Running> {
    let token = match opts.token {
        Some(t) => t,
        None => new_token()?,
    };
    let read_timeout = opts.read_timeout.unwrap_or(REQUEST_READ_TIMEOUT);
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, opts.port))).await?;
    let addr = listener.local_addr()?;
    watch_external_writes(app.clone());
    let (events, _) = broadcast::channel(EVENT_BACKLOG);
    forward_changes(&app, events.clone());
    let router = router(
        Shared {
            app,
            token: token.clone().into(),
            events: events.clone(),
            read_timeout,
        },
        opts.ui_dir,
        allowed_hosts(addr.port()),
    );
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(listener, router, read_timeout, stop_rx));
    tracing::info!(%addr, "serving the command table on loopback");
    Ok(Running {
        addr,
        token,
        stop: Some(stop_tx),
        task: Some(task),
        events,
    })
}

/// Accepts connections until `stop` fires (or its sender is dropped), then lets each open
/// connection finish its request. Connections live in a `JoinSet` owned by this task, so
/// aborting the task ends them all.
async fn serve(
    listener: TcpListener,
    router: Router,
    read_timeout: Duration,
    mut stop: oneshot::Receiver<()>,
) {
    let (closing_tx, closing_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(
                        stream,
                        router.clone(),
                        read_timeout,
                        closing_rx.clone(),
                    ));
                }
                Err(e) => {
                    // Out of file descriptors and the like: wait a little instead of spinning.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    let _ = closing_tx.send(true);
    while connections.join_next().await.is_some() {}
}

/// One HTTP/1.1 connection, with hyper's header-read timeout armed (axum's own `serve` sets no
/// timer, so a client could hold a connection open by never finishing its headers).
async fn serve_connection(
    stream: TcpStream,
    router: Router,
    read_timeout: Duration,
    mut closing: watch::Receiver<bool>,
) {
    let service = hyper_util::service::TowerToHyperService::new(router);
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(read_timeout);
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    let mut conn = std::pin::pin!(conn);
    tokio::select! {
        served = conn.as_mut() => {
            if let Err(e) = served {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        }
        _ = async { closing.wait_for(|closing| *closing).await.is_ok() } => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

/// The `Host` values a request may carry: this server's own loopback names and port.
fn allowed_hosts(port: u16) -> Arc<[String]> {
    let mut hosts = vec![format!("127.0.0.1:{port}"), format!("localhost:{port}")];
    if port == 80 {
        hosts.extend(["127.0.0.1".to_string(), "localhost".to_string()]);
    }
    hosts.into()
}

fn router(shared: Shared, ui_dir: Option<PathBuf>, hosts: Arc<[String]>) -> Router {
    let api = Router::new()
        .route("/rpc/{name}", post(rpc_handler))
        .route("/events", get(events_handler))
        // Runs before the handler extracts anything, so before any of the body is read.
        .route_layer(middleware::from_fn_with_state(
            shared.clone(),
            require_token,
        ))
        .with_state(shared);
    let app = match ui_dir {
        Some(dir) => {
            let index = dir.join("index.html");
            let files = tower_http::services::ServeDir::new(dir)
                .fallback(tower_http::services::ServeFile::new(index));
            api.fallback_service(files)
                .layer(axum::middleware::map_response(add_csp))
        }
        None => api,
    };
    app.layer(middleware::from_fn_with_state(hosts, check_host))
}

/// Refuses a request addressed to any other host name than this server's own (421): the
/// defence against DNS rebinding, where a page's own host name is re-pointed at 127.0.0.1.
async fn check_host(State(hosts): State<Arc<[String]>>, req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) {
        return next.run(req).await;
    }
    ErrorResponse(
        StatusCode::MISDIRECTED_REQUEST,
        ApiError::invalid(format!(
            "cannot serve this request: it is addressed to another host; this server answers only \
             Host: {}",
            hosts.join(" or ")
        )),
    )
    .into_response()
}

async fn require_token(State(shared): State<Shared>, req: Request, next: Next) -> Response {
    match authorize(&shared, req.headers()) {
        Ok(()) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

async fn add_csp(mut res: Response) -> Response {
    res.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    res.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    res
}

/// Tells other processes' writes (the CLI) to the page, as the desktop shell does.
fn watch_external_writes(app: Arc<App>) {
    let weak = Arc::downgrade(&app);
    drop(app);
    let spawned = std::thread::Builder::new()
        .name("data-version".into())
        .spawn(move || {
            while let Some(app) = weak.upgrade() {
                if let Err(e) = app.poll_external_writes() {
                    tracing::warn!(error = %e, "cannot check for other processes' writes");
                }
                drop(app);
                std::thread::sleep(Duration::from_millis(500));
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "cannot watch for other processes' writes");
    }
}

struct ErrorResponse(StatusCode, ApiError);

impl IntoResponse for ErrorResponse {
    fn into_response(self) -> Response {
        (self.0, axum::Json(self.1)).into_response()
    }
}

fn status_of(code: Code) -> StatusCode {
    match code {
        Code::NotFound => StatusCode::NOT_FOUND,
        Code::InvalidInput => StatusCode::UNPROCESSABLE_ENTITY,
        Code::Conflict | Code::NotInitialized => StatusCode::CONFLICT,
        // A remote server refused the account's credentials: not this request's fault.
        Code::Auth => StatusCode::BAD_GATEWAY,
        Code::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        Code::Io | Code::Storage => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn authorize(shared: &Shared, headers: &HeaderMap) -> Result<(), ErrorResponse> {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if bool::from(given.as_bytes().ct_eq(shared.token.as_bytes())) {
        Ok(())
    } else {
        Err(ErrorResponse(
            StatusCode::UNAUTHORIZED,
            ApiError::new(
                Code::Auth,
                "cannot run the request: missing or wrong bearer token (use the one `switchboard serve` printed)",
            ),
        ))
    }
}

async fn rpc_handler(
    State(shared): State<Shared>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let body = match read_body(&shared, &name, &headers, body).await {
        Ok(body) => body,
        Err(e) => return e.into_response(),
    };
    let params: Value = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Null
    } else {
        match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(e) => {
                return ErrorResponse(
                    StatusCode::BAD_REQUEST,
                    ApiError::invalid(format!("invalid params for `{name}`: not JSON ({e})")),
                )
                .into_response();
            }
        }
    };
    match rpc::call(&shared.app, &name, params).await {
        Ok(v) => axum::Json(v).into_response(),
        Err(e) => ErrorResponse(status_of(e.code), e).into_response(),
    }
}

/// The body of an authorized request: at most [`MAX_BODY_BYTES`] (a larger declared length is
/// refused unread), arriving within the read timeout.
async fn read_body(
    shared: &Shared,
    name: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<axum::body::Bytes, ErrorResponse> {
    let too_large = || {
        ErrorResponse(
            StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::invalid(format!(
                "cannot run `{name}`: the request body is larger than {MAX_BODY_BYTES} bytes"
            )),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(too_large());
    }
    match tokio::time::timeout(
        shared.read_timeout,
        axum::body::to_bytes(body, MAX_BODY_BYTES),
    )
    .await
    {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) if declared.is_none() => {
            tracing::debug!(error = %e, "cannot read a request body");
            Err(too_large())
        }
        Ok(Err(e)) => Err(ErrorResponse(
            StatusCode::BAD_REQUEST,
            ApiError::invalid(format!(
                "cannot run `{name}`: cannot read the request body ({e})"
            )),
        )),
        Err(_) => Err(ErrorResponse(
            StatusCode::REQUEST_TIMEOUT,
            ApiError::invalid(format!(
                "cannot run `{name}`: the request body did not arrive within {} s",
                shared.read_timeout.as_secs_f32()
            )),
        )),
    }
}

async fn events_handler(State(shared): State<Shared>) -> Response {
    Sse::new(change_stream(&shared.events))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

/// One thread bridges the app's (blocking) change feed to every `/events` client. It ends when
/// the app goes away (the feed closes).
fn forward_changes(app: &App, events: broadcast::Sender<ChangeSet>) {
    let feed = app.subscribe();
    let spawned = std::thread::Builder::new()
        .name("sse-bridge".into())
        .spawn(move || {
            for change in feed {
                // An error only means no client is listening right now.
                let _ = events.send(change);
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "cannot start the event bridge; pages will not refresh live");
    }
}

/// The change sets one client sees. When the client goes away hyper drops this stream, and
/// with it the receiver: nothing else is held for it.
fn change_stream(
    events: &broadcast::Sender<ChangeSet>,
) -> impl Stream<Item = Result<Event, std::convert::Infallible>> + use<> {
    futures_util::stream::unfold(events.subscribe(), |mut rx| async move {
        let change = match rx.recv().await {
            Ok(change) => change,
            // Fell behind by more than the backlog: which ids changed is lost, so reload all.
            Err(broadcast::error::RecvError::Lagged(_)) => reload_everything(),
            Err(broadcast::error::RecvError::Closed) => return None,
        };
        let event = Event::default()
            .event("store-changed")
            .json_data(&change)
            .unwrap_or_else(|_| Event::default().comment("unencodable change set"));
        Some((Ok(event), rx))
    })
}
