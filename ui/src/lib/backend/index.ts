import type { Backend } from './backend';
import { inTauri, tauriBackend } from './tauri';

export type { Backend } from './backend';
export { isApiError, toApiError } from './backend';

/** The desktop app's backend inside Tauri; otherwise (browser preview) the mock with demo data. */
export async function chooseBackend(): Promise<Backend> {
  if (inTauri()) return tauriBackend();
  const { createMockBackend, demoData } = await import('./mock');
  return createMockBackend(demoData());
}
