import type { CommandName, Commands } from './generated/commands';
import type {
  ApiError,
  CaseDetail,
  ChangeSet,
  ListCasesParams,
  ListCasesResult,
  NoteView,
  RootCause,
  SearchParams,
  SearchResult,
  SetStatusParams,
  SetStatusResult,
  TagResult,
} from './types';

export type { CommandName, Commands } from './generated/commands';

/** The params a command takes (generated from crates/api/src/rpc.rs). */
export type ParamsOf<K extends CommandName> = Commands[K]['params'];
/** What a command resolves to. */
export type ResultOf<K extends CommandName> = Commands[K]['result'];

/**
 * The two things every transport provides: one command surface and the change feed.
 * `call` mirrors crates/api/src/rpc.rs (Tauri: the `rpc` command; HTTP: `POST /rpc/<name>`).
 */
export interface BackendCore {
  /** Runs a command; rejects with an {@link ApiError}. */
  call<K extends CommandName>(name: K, params: ParamsOf<K>): Promise<ResultOf<K>>;
  /** Calls `handler` after each commit with what changed. Resolves to an unsubscribe function. */
  onStoreChanged(handler: (changes: ChangeSet) => void): Promise<() => void>;
}

/**
 * Everything the UI can ask of the app. Implementations: `tauri.ts` (the desktop app),
 * `http.ts` (a browser against `switchboard serve`) and `mock.ts` (tests, browser preview).
 *
 * Prefer `call(name, params)`. The named methods are thin wrappers kept for the screens written
 * before the command table; they go once nothing uses them.
 */
export interface Backend extends BackendCore {
  caseList(params: ListCasesParams): Promise<ListCasesResult>;
  caseShow(caseId: number): Promise<CaseDetail>;
  caseSearch(params: SearchParams): Promise<SearchResult>;
  caseSetStatus(params: SetStatusParams): Promise<SetStatusResult>;
  caseAddNote(caseId: number, text: string): Promise<NoteView>;
  caseTagRootCause(caseId: number, rootCause: string): Promise<TagResult>;
  rootCauseList(): Promise<RootCause[]>;
  rootCauseAdd(name: string, parent?: string | null): Promise<RootCause>;
}

/** Adds the named wrappers to a transport. */
export function withHelpers<C extends BackendCore>(core: C): C & Backend {
  const b = core as C & Backend;
  b.caseList = (params) => core.call('case_list', params);
  b.caseShow = (caseId) => core.call('case_show', { case_id: caseId });
  b.caseSearch = (params) => core.call('case_search', params);
  b.caseSetStatus = (params) => core.call('case_set_status', params);
  b.caseAddNote = (caseId, text) => core.call('case_add_note', { case_id: caseId, text });
  b.caseTagRootCause = (caseId, rootCause) =>
    core.call('case_tag_root_cause', { case_id: caseId, root_cause: rootCause });
  b.rootCauseList = () => core.call('root_cause_list', {});
  b.rootCauseAdd = (name, parent) => core.call('root_cause_add', { name, parent: parent ?? null });
  return b;
}

export function isApiError(e: unknown): e is ApiError {
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as ApiError).code === 'string' &&
    typeof (e as ApiError).message === 'string'
  );
}

/**
 * Turns anything a call can reject with into an ApiError. Commands reject with one already; a
 * broken IPC bridge or a network failure rejects with a bare string or an Error.
 */
export function toApiError(e: unknown): ApiError {
  if (isApiError(e)) return e;
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'io', message };
}
