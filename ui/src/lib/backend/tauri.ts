// The only file that talks to Tauri: one `rpc` command (src-tauri/src/main.rs → crates/api rpc
// table) and the `store-changed` event.
import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';

import { toApiError, withHelpers, type Backend } from './backend';
import type { ChangeSet } from './types';

/** Must match src-tauri/src/events.rs STORE_CHANGED. */
export const STORE_CHANGED = 'store-changed';

export function tauriBackend(): Backend {
  return withHelpers({
    async call(name, params) {
      try {
        return await invoke('rpc', { name, params });
      } catch (e) {
        throw toApiError(e);
      }
    },
    onStoreChanged: async (handler) => {
      const unlisten = await listen<ChangeSet>(STORE_CHANGED, (event) => handler(event.payload));
      return unlisten;
    },
  });
}

/** True inside the desktop app's webview. */
export function inTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}
