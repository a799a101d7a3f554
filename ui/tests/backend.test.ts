import { describe, expect, it } from 'vitest';

import { createMockBackend, demoData } from '../src/lib/backend/mock';
import { httpBackend } from '../src/lib/backend/http';
import type { ChangeSet } from '../src/lib/backend/types';

describe('mock backend', () => {
  it('runs built-in commands by name and through the named wrappers', async () => {
    const b = createMockBackend(demoData(1_800_000_000_000));
    const list = await b.call('case_list', { limit: 0, offset: 0 });
    expect(list.total).toBe(3);
    const viaWrapper = await b.caseShow(list.cases[0].id);
    expect(viaWrapper.id).toBe(list.cases[0].id);
    expect(b.calls.map(([n]) => n)).toEqual(['case_list', 'case_show']);
  });

  it('lets tests add handlers for commands it does not model', async () => {
    const b = createMockBackend({
      handlers: { custom_command: (p: { case_id: number }) => [{ id: 1, case_id: p.case_id }] },
    });
    await expect(b.call('custom_command' as never, { case_id: 7 } as never)).resolves.toEqual([{ id: 1, case_id: 7 }]);
  });

  it('rejects an unknown command with not_found naming it', async () => {
    const b = createMockBackend();
    await expect(b.call('nope' as never, {} as never)).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringContaining('nope'),
    });
  });

  it('publishes a change set after a write', async () => {
    const b = createMockBackend(demoData(1_800_000_000_000));
    const seen: ChangeSet[] = [];
    await b.onStoreChanged((c) => seen.push(c));
    await b.call('case_set_status', { case_id: 1, status: 'resolved', until_reply: false });
    await Promise.resolve();
    expect(seen).toEqual([{ case: [1] }]);
  });
});

describe('http backend', () => {
  it('posts params as JSON with the bearer token and returns the body', async () => {
    const requests: { url: string; init: RequestInit }[] = [];
    const fetch = (async (url: string, init: RequestInit) => {
      requests.push({ url, init });
      return new Response(JSON.stringify({ cases: [], total: 0 }), { status: 200 });
    }) as unknown as typeof globalThis.fetch;
    const b = httpBackend({ baseUrl: 'http://127.0.0.1:9', token: 'tok', fetch });
    await expect(b.call('case_list', { limit: 5, offset: 0 })).resolves.toEqual({ cases: [], total: 0 });
    expect(requests[0].url).toBe('http://127.0.0.1:9/rpc/case_list');
    expect((requests[0].init.headers as Record<string, string>).Authorization).toBe('Bearer tok');
    expect(JSON.parse(requests[0].init.body as string)).toEqual({ limit: 5, offset: 0 });
  });

  it('rejects with the server’s ApiError', async () => {
    const fetch = (async () =>
      new Response(JSON.stringify({ code: 'not_found', message: 'case 9 not found' }), {
        status: 404,
      })) as unknown as typeof globalThis.fetch;
    const b = httpBackend({ baseUrl: 'http://x', token: 't', fetch });
    await expect(b.caseShow(9)).rejects.toEqual({ code: 'not_found', message: 'case 9 not found' });
  });

  it('turns a network failure into unavailable', async () => {
    const fetch = (async () => {
      throw new TypeError('connection refused');
    }) as unknown as typeof globalThis.fetch;
    const b = httpBackend({ baseUrl: 'http://x', token: 't', fetch });
    await expect(b.call('root_cause_list', {})).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('reads change sets from the event stream', async () => {
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('event: store-changed\ndata: {"case":[3]}\n\n'));
      },
    });
    let calls = 0;
    const fetch = (async () => {
      calls += 1;
      return calls === 1 ? new Response(body, { status: 200 }) : new Promise<Response>(() => {});
    }) as unknown as typeof globalThis.fetch;
    const b = httpBackend({ baseUrl: 'http://x', token: 't', fetch });
    const got = await new Promise<ChangeSet>((resolve) => {
      void b.onStoreChanged(resolve);
    });
    expect(got).toEqual({ case: [3] });
  });
});
