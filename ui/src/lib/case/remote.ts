import type { Backend } from '../backend';
import { workflow } from './workflow';

/** The workspace setting (crates/api settings.rs) holding the senders, one per line. */
export const REMOTE_IMAGES_SETTING = 'remote_images_allowed';
/** Used when the workspace has no such setting: this machine's webview storage. */
const LOCAL_KEY = 'switchboard.remote_images_allowed';

export function parseSenders(text: string): string[] {
  return [...new Set(text.split(/[\n,]/).map((s) => s.trim().toLowerCase()).filter(Boolean))];
}

/** Whether the workspace offers the setting (asked once per backend). */
const offered = new WeakMap<Backend, boolean>();

/**
 * Senders whose remote images the user allowed. Stored in the workspace settings so the choice
 * follows the data; where the workspace does not offer that setting, in local storage instead.
 */
export async function loadAllowedSenders(backend: Backend): Promise<string[]> {
  try {
    const value = await workflow.settingGet(backend, REMOTE_IMAGES_SETTING);
    offered.set(backend, value !== null);
    if (value !== null) return parseSenders(value);
  } catch {
    offered.set(backend, false);
  }
  return parseSenders(globalThis.localStorage?.getItem(LOCAL_KEY) ?? '');
}

export async function saveAllowedSenders(backend: Backend, senders: string[]): Promise<void> {
  const text = senders.join('\n');
  if (offered.get(backend)) {
    try {
      await workflow.settingSet(backend, REMOTE_IMAGES_SETTING, text);
      return;
    } catch {
      // Fall through: keep the choice on this machine rather than lose it.
    }
  }
  globalThis.localStorage?.setItem(LOCAL_KEY, text);
}
