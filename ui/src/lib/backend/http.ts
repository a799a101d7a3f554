// A browser talking to `switchboard serve` (crates/http): `POST /rpc/<name>` with the bearer
// token, and the change feed as server-sent events from `GET /events`. Used by the end-to-end
// tests (ui/e2e) to drive the real backend without a desktop window.
import { toApiError, withHelpers, type Backend } from './backend';
import type { ChangeSet } from './types';

export interface HttpOptions {
  /** Origin of the server, e.g. `http://127.0.0.1:43117` (no trailing slash). */
  baseUrl: string;
  token: string;
  fetch?: typeof fetch;
}

export function httpBackend({ baseUrl, token, fetch: f = globalThis.fetch.bind(globalThis) }: HttpOptions): Backend {
  const auth = { Authorization: `Bearer ${token}` };
  return withHelpers({
    async call(name, params) {
      let res: Response;
      try {
        res = await f(`${baseUrl}/rpc/${name}`, {
          method: 'POST',
          headers: { ...auth, 'Content-Type': 'application/json' },
          body: JSON.stringify(params ?? {}),
        });
      } catch (e) {
        throw toApiError({ code: 'unavailable', message: `cannot reach the Switchboard server: ${String(e)}` });
      }
      const body = await res.json().catch(() => null);
      if (!res.ok) throw toApiError(body ?? `HTTP ${res.status}`);
      return body;
    },
    async onStoreChanged(handler) {
      const stop = new AbortController();
      void follow(f, `${baseUrl}/events`, auth, stop.signal, handler);
      return () => stop.abort();
    },
  });
}

/**
 * Reads the event stream with fetch (EventSource cannot send an Authorization header) and
 * reconnects after a dropped connection, waiting a little longer each time.
 */
async function follow(
  f: typeof fetch,
  url: string,
  headers: Record<string, string>,
  signal: AbortSignal,
  handler: (c: ChangeSet) => void,
): Promise<void> {
  let wait = 500;
  while (!signal.aborted) {
    try {
      const res = await f(url, { headers: { ...headers, Accept: 'text/event-stream' }, signal });
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      wait = 500;
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = event
            .split('\n')
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trimStart())
            .join('\n');
          if (data) handler(JSON.parse(data) as ChangeSet);
        }
      }
    } catch (e) {
      if (signal.aborted) return;
      console.warn('store-changed stream dropped; reconnecting', e);
    }
    await new Promise((r) => setTimeout(r, wait));
    wait = Math.min(wait * 2, 10_000);
  }
}

/**
 * The token handed to the page in the URL fragment (`#token=...`, never sent to the server in
 * a request line or a Referer), kept for reloads of the same tab.
 */
export function tokenFromLocation(): string | null {
  if (typeof window === 'undefined') return null;
  const m = /(?:^|[#&])token=([^&]+)/.exec(window.location.hash);
  if (m) {
    const token = decodeURIComponent(m[1]);
    sessionStorage.setItem('switchboard-token', token);
    return token;
  }
  return sessionStorage.getItem('switchboard-token');
}
