// The Import panel (first-run screen and Settings): a typed path starts `import_start` with the
// right params, progress shows while the job runs (re-read on each change-feed revision), then
// the summary with the files not imported; the native picker and drops only in the desktop app.
import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';

import { createMockBackend } from '../src/lib/backend/mock';
import ImportPanel from '../src/lib/import/ImportPanel.svelte';
import type { NativeImport } from '../src/lib/backend/native-import';

type Handlers = Record<string, (p: any) => unknown>;
const loose = (h: Handlers): Handlers => h;
const called = (b: { calls: [string, unknown][] }, name: string) => b.calls.filter(([n]) => n === name).map(([, p]) => p);

const progress = (over: object = {}) => ({
  read: 0, seen: 0, imported: 0, duplicates: 0, skipped: 0, failed: 0, done: 0, total: 0, current: '', ...over,
});

describe('import panel', () => {
  it('imports a typed path with the own addresses, shows progress, then the summary', async () => {
    let status: object = {
      id: 1, running: true, paths: ['/mail/support.mbox'], result: null, summary: null, error: null,
      progress: progress({ read: 120, imported: 100, done: 50, total: 100, current: '/mail/support.mbox' }),
    };
    const backend = createMockBackend({
      handlers: loose({
        account_self_list: () => ({ addresses: ['help@shop.example'] }),
        import_start: () => status,
        import_status: () => status,
      }),
    });
    const { rerender } = render(ImportPanel, { backend, revision: 0, native: null });
    // In a browser there is no picker: only the typed path.
    expect(screen.queryByTestId('pick-files')).toBeNull();
    const own = screen.getByTestId('import-self') as HTMLInputElement;
    await waitFor(() => expect(own.value).toBe('help@shop.example'));
    await fireEvent.input(own, { target: { value: 'help@shop.example, orders@shop.example' } });
    await fireEvent.input(screen.getByTestId('import-path'), { target: { value: '  /mail/support.mbox \n' } });
    await fireEvent.click(screen.getByTestId('import-start'));
    await waitFor(() =>
      expect(called(backend, 'import_start')).toEqual([
        { paths: ['/mail/support.mbox'], self_addresses: ['help@shop.example', 'orders@shop.example'] },
      ]),
    );
    const running = await screen.findByTestId('import-progress');
    expect(running.textContent).toContain('120 messages read, 100 stored, 0 already here');
    expect(running.textContent).toContain('Reading /mail/support.mbox');
    expect((screen.getByTestId('import-start') as HTMLButtonElement).disabled).toBe(true);

    status = {
      ...status,
      running: false,
      summary: 'Imported 100 messages (40 new cases, 0 reopened); 20 duplicates skipped; 1 file not imported (no mail in it); 0 failed.',
      result: {
        imported: 100, duplicates: 20, failed: [], cases_created: 40, cases_reopened: 0,
        skipped: [{ origin: '/mail/.DS_Store', reason: 'not a mail file' }],
      },
    };
    // The job's progress arrives on the change feed, which bumps the revision.
    await rerender({ backend, revision: 1, native: null });
    const done = await screen.findByTestId('import-summary');
    expect(done.textContent).toContain('Imported 100 messages (40 new cases, 0 reopened); 20 duplicates skipped');
    expect(done.textContent).toContain('/mail/.DS_Store: not a mail file');
    expect(called(backend, 'import_status')).toEqual([{ id: 1 }]);
  });

  it('refuses to start without a path and shows the error of a bad one', async () => {
    const backend = createMockBackend({
      handlers: loose({
        account_self_list: () => ({ addresses: [] }),
        import_start: () => {
          throw { code: 'not_found', message: 'cannot import /nope: no such file or folder' };
        },
      }),
    });
    render(ImportPanel, { backend, native: null });
    await fireEvent.click(screen.getByTestId('import-start'));
    expect((await screen.findByRole('alert')).textContent).toContain('Choose files or a folder');
    expect(called(backend, 'import_start')).toEqual([]);
    await fireEvent.input(screen.getByTestId('import-path'), { target: { value: '/nope' } });
    await fireEvent.click(screen.getByTestId('import-start'));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('no such file or folder'));
  });

  it('in the desktop app, picked and dropped paths are imported', async () => {
    let drop: (paths: string[]) => void = () => {};
    const native: NativeImport = {
      pick: async (folder) => (folder ? ['/mail/Maildir'] : ['/mail/a.eml', '/mail/b.eml']),
      onDrop: async (h) => {
        drop = h;
        return () => {};
      },
    };
    const backend = createMockBackend({
      handlers: loose({
        account_self_list: () => ({ addresses: [] }),
        import_start: () => ({ id: 1, running: true, paths: [], progress: progress(), result: null, summary: null, error: null }),
      }),
    });
    render(ImportPanel, { backend, native });
    await fireEvent.click(screen.getByTestId('pick-files'));
    await waitFor(() => expect(screen.getByTestId('chosen-paths').textContent).toContain('/mail/b.eml'));
    await waitFor(() => drop(['/mail/dropped.mbox']));
    await waitFor(() => expect(screen.getByTestId('chosen-paths').textContent).toContain('/mail/dropped.mbox'));
    await fireEvent.click(screen.getByTestId('import-start'));
    await waitFor(() =>
      expect(called(backend, 'import_start')).toEqual([
        { paths: ['/mail/a.eml', '/mail/b.eml', '/mail/dropped.mbox'], self_addresses: [] },
      ]),
    );
  });
});
