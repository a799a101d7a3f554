//! The IPC surface: one command per user action, each a one-line call into `switchboard_api`.
//!
//! Commands hold no logic, so everything they do is tested once, in crates/api, and the CLI
//! behaves the same. They run on the async runtime (`async` in the attribute) rather than on
//! the main thread, so a slow query never freezes the window. Argument names arrive from
//! JavaScript in camelCase (`caseId`); fields inside params structs keep Rust's snake_case.
//! The TypeScript mirror of these signatures is ui/src/lib/backend/tauri.ts.

use switchboard_api::case::{
    self, CaseDetail, ListCasesParams, ListCasesResult, SearchParams, SearchResult,
    SetStatusParams, SetStatusResult, TagResult,
};
use switchboard_api::root_cause::{self, RootCause};
use switchboard_api::{ApiError, Ctx};
use tauri::State;

type Res<T> = Result<T, ApiError>;

#[tauri::command(async)]
pub fn case_list(ctx: State<'_, Ctx>, params: ListCasesParams) -> Res<ListCasesResult> {
    case::case_list(&ctx, &params)
}

#[tauri::command(async)]
pub fn case_show(ctx: State<'_, Ctx>, case_id: i64) -> Res<CaseDetail> {
    case::case_show(&ctx, case_id)
}

#[tauri::command(async)]
pub fn case_search(ctx: State<'_, Ctx>, params: SearchParams) -> Res<SearchResult> {
    case::case_search(&ctx, &params)
}

#[tauri::command(async)]
pub fn case_set_status(ctx: State<'_, Ctx>, params: SetStatusParams) -> Res<SetStatusResult> {
    case::case_set_status(&ctx, &params)
}

/// Returns the new note (`NoteView`; crates/api does not re-export the type's name).
#[tauri::command(async)]
pub fn case_add_note(
    ctx: State<'_, Ctx>,
    case_id: i64,
    text: String,
) -> Res<impl serde::Serialize + use<>> {
    case::case_add_note(&ctx, case_id, &text)
}

#[tauri::command(async)]
pub fn case_tag_root_cause(
    ctx: State<'_, Ctx>,
    case_id: i64,
    root_cause: String,
) -> Res<TagResult> {
    case::case_tag_root_cause(&ctx, case_id, &root_cause)
}

#[tauri::command(async)]
pub fn root_cause_list(ctx: State<'_, Ctx>) -> Res<Vec<RootCause>> {
    root_cause::root_cause_list(&ctx)
}

#[tauri::command(async)]
pub fn root_cause_add(ctx: State<'_, Ctx>, name: String, parent: Option<String>) -> Res<RootCause> {
    root_cause::root_cause_add(&ctx, &name, parent.as_deref())
}
