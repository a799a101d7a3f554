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

/**
 * Everything the UI can ask of the app. One method per Tauri command (src-tauri/src/commands.rs),
 * plus the `store-changed` subscription. Every method rejects with an {@link ApiError}.
 *
 * Implementations: `tauri.ts` (the desktop app) and `mock.ts` (tests, browser preview).
 */
export interface Backend {
  caseList(params: ListCasesParams): Promise<ListCasesResult>;
  caseShow(caseId: number): Promise<CaseDetail>;
  caseSearch(params: SearchParams): Promise<SearchResult>;
  caseSetStatus(params: SetStatusParams): Promise<SetStatusResult>;
  caseAddNote(caseId: number, text: string): Promise<NoteView>;
  caseTagRootCause(caseId: number, rootCause: string): Promise<TagResult>;
  rootCauseList(): Promise<RootCause[]>;
  rootCauseAdd(name: string, parent?: string | null): Promise<RootCause>;
  /** Calls `handler` after each commit with what changed. Resolves to an unsubscribe function. */
  onStoreChanged(handler: (changes: ChangeSet) => void): Promise<() => void>;
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
 * missing command or a broken IPC bridge rejects with a bare string or an Error.
 */
export function toApiError(e: unknown): ApiError {
  if (isApiError(e)) return e;
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'io', message };
}
