//! The command table (`switchboard_api::rpc`) over loopback HTTP, so a browser can drive the
//! real backend: the end-to-end tests in ui/e2e, and `switchboard serve` for a look without the
//! desktop window.
//!
//! Why it is safe to run: it binds 127.0.0.1 only (never a public interface), on a random port
//! unless told otherwise, and every request except the static UI needs a fresh 32-byte bearer
//! token, compared in constant time. It is off unless someone runs `switchboard serve`.
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
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::Stream;
use serde_json::Value;
use subtle::ConstantTimeEq;
use switchboard_api::app::App;
use switchboard_api::{ApiError, Code, rpc};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

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
}

/// A server that runs until [`Running::stop`] or until dropped.
pub struct Running {
    pub addr: SocketAddr,
    pub token: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
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
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, opts.port))).await?;
    let addr = listener.local_addr()?;
    watch_external_writes(app.clone());
    let router = router(
        Shared {
            app,
            token: token.clone().into(),
        },
        opts.ui_dir,
    );
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = stop_rx.await;
            })
            .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "the HTTP server stopped");
        }
    });
    tracing::info!(%addr, "serving the command table on loopback");
    Ok(Running {
        addr,
        token,
        stop: Some(stop_tx),
        task: Some(task),
    })
}

fn router(shared: Shared, ui_dir: Option<PathBuf>) -> Router {
    let api = Router::new()
        .route("/rpc/{name}", post(rpc_handler))
        .route("/events", get(events_handler))
        .with_state(shared);
    match ui_dir {
        Some(dir) => {
            let index = dir.join("index.html");
            let files = tower_http::services::ServeDir::new(dir)
                .fallback(tower_http::services::ServeFile::new(index));
            api.fallback_service(files)
                .layer(axum::middleware::map_response(add_csp))
        }
        None => api,
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
    body: axum::body::Bytes,
) -> Response {
    if let Err(e) = authorize(&shared, &headers) {
        return e.into_response();
    }
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

async fn events_handler(State(shared): State<Shared>, headers: HeaderMap) -> Response {
    if let Err(e) = authorize(&shared, &headers) {
        return e.into_response();
    }
    Sse::new(change_stream(&shared.app))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

/// Bridges the app's (blocking) change feed into an async stream for one client. The bridge
/// thread ends when the client goes away (its channel closes) or the feed ends.
fn change_stream(app: &App) -> impl Stream<Item = Result<Event, std::convert::Infallible>> + use<> {
    let feed = app.subscribe();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let spawned = std::thread::Builder::new()
        .name("sse-bridge".into())
        .spawn(move || {
            while let Ok(change) = feed.recv() {
                if tx.send(change).is_err() {
                    break;
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "cannot start an event stream");
    }
    futures_util::stream::unfold(rx, |mut rx| async move {
        let change = rx.recv().await?;
        let event = Event::default()
            .event("store-changed")
            .json_data(&change)
            .unwrap_or_else(|_| Event::default().comment("unencodable change set"));
        Some((Ok(event), rx))
    })
}
