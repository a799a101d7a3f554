// What only the desktop app can do for an import: a native file/folder picker
// (tauri-plugin-dialog) and paths dropped on the window (Tauri's webview drag-drop event). In a
// browser against `switchboard serve` neither exists (a browser never hands a page the path of a
// file), so the import panel hides them and keeps the typed path.
import { inTauri } from './tauri';

/** Native pickers and drops, or `null` outside the desktop app. */
export interface NativeImport {
  /** Files (.eml, .mbox) or, with `folder`, one Maildir folder; `[]` when cancelled. */
  pick(folder: boolean): Promise<string[]>;
  /** Calls `handler` with the paths dropped on the window. Resolves to an unsubscribe function. */
  onDrop(handler: (paths: string[]) => void): Promise<() => void>;
}

export function nativeImport(): NativeImport | null {
  if (!inTauri()) return null;
  return {
    async pick(folder) {
      const { open } = await import('@tauri-apps/plugin-dialog');
      const chosen = folder
        ? await open({ directory: true, title: 'Choose a Maildir folder' })
        : await open({
            multiple: true,
            title: 'Choose mail files',
            filters: [{ name: 'Mail', extensions: ['eml', 'mbox', 'mbx', 'txt'] }],
          });
      if (chosen === null) return [];
      return Array.isArray(chosen) ? chosen : [chosen];
    },
    async onDrop(handler) {
      const { getCurrentWebview } = await import('@tauri-apps/api/webview');
      return getCurrentWebview().onDragDropEvent((event) => {
        if (event.payload.type === 'drop') handler(event.payload.paths);
      });
    },
  };
}
