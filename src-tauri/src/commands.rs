//! The IPC surface: ONE command, `rpc`, that runs any command of the table in
//! crates/api/src/rpc.rs by name. The table is the single list of what the UI may do, shared
//! with the HTTP server and the generated TypeScript types, so there is nothing to keep in step
//! here. It runs on the async runtime, never on the main thread, so a slow query or a network
//! call never freezes the window. The TypeScript side is ui/src/lib/backend/tauri.ts.

use std::sync::Arc;

use serde_json::Value;
use switchboard_api::app::App;
use switchboard_api::{ApiError, rpc};
use tauri::State;

#[tauri::command]
pub async fn rpc(
    app: State<'_, Arc<App>>,
    name: String,
    params: Option<Value>,
) -> Result<Value, ApiError> {
    rpc::call(&app, &name, params.unwrap_or(Value::Null)).await
}
