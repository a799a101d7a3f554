// Workspace settings through settings_get / settings_set (crates/api/src/settings.rs). Values
// travel as strings ("true"/"false" for switches); the backend checks and converts them.
import type { Setting } from '../backend/generated/types';
import { call, type Caller } from '../nav/rpc';

export type { Setting };

/** Resolving a case needs at least one root cause on it when this is "true". */
export const REQUIRE_ROOT_CAUSE = 'require_root_cause';


export async function listSettings(backend: Caller): Promise<Setting[]> {
  return (await call(backend, 'settings_get', {})).settings;
}

export async function getBool(backend: Caller, key: string): Promise<boolean> {
  const r = await call(backend, 'settings_get', { key });
  return r.settings[0]?.value === 'true';
}

export async function setSetting(backend: Caller, key: string, value: string | boolean): Promise<Setting> {
  return call(backend, 'settings_set', { key, value: String(value) });
}

/** "require_root_cause" → "Require root cause", for settings without a nicer label. */
export function settingLabel(key: string): string {
  const s = key.replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}
