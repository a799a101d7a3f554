// The only file that talks to Tauri. Argument names are camelCase (Tauri converts them to the
// Rust parameter names); params structs keep Rust's snake_case fields.
import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';

import { toApiError, type Backend } from './backend';
import type {
  CaseDetail,
  ChangeSet,
  ListCasesResult,
  NoteView,
  RootCause,
  SearchResult,
  SetStatusResult,
  TagResult,
} from './types';

/** Must match src-tauri/src/events.rs STORE_CHANGED. */
export const STORE_CHANGED = 'store-changed';

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toApiError(e);
  }
}

export function tauriBackend(): Backend {
  return {
    caseList: (params) => call<ListCasesResult>('case_list', { params }),
    caseShow: (caseId) => call<CaseDetail>('case_show', { caseId }),
    caseSearch: (params) => call<SearchResult>('case_search', { params }),
    caseSetStatus: (params) => call<SetStatusResult>('case_set_status', { params }),
    caseAddNote: (caseId, text) => call<NoteView>('case_add_note', { caseId, text }),
    caseTagRootCause: (caseId, rootCause) =>
      call<TagResult>('case_tag_root_cause', { caseId, rootCause }),
    rootCauseList: () => call<RootCause[]>('root_cause_list'),
    rootCauseAdd: (name, parent) => call<RootCause>('root_cause_add', { name, parent: parent ?? null }),
    onStoreChanged: async (handler) => {
      const unlisten = await listen<ChangeSet>(STORE_CHANGED, (event) => handler(event.payload));
      return unlisten;
    },
  };
}

/** True inside the desktop app's webview. */
export function inTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}
