import type { Backend } from './backend';
import { inTauri, tauriBackend } from './tauri';

export type { Backend, BackendCore, CommandName, Commands, ParamsOf, ResultOf } from './backend';
export { isApiError, toApiError } from './backend';

/**
 * Inside the desktop app: Tauri IPC. In a browser opened by `switchboard serve` (the URL carries
 * `#token=`): HTTP to that server, same origin. Otherwise (the Vite preview): the mock with
 * sample data.
 */
export async function chooseBackend(): Promise<Backend> {
  if (inTauri()) return tauriBackend();
  const { httpBackend, tokenFromLocation } = await import('./http');
  const token = tokenFromLocation();
  if (token) return httpBackend({ baseUrl: window.location.origin, token });
  const { createMockBackend, demoData } = await import('./mock');
  return createMockBackend(demoData());
}
