// The workflow screens inside the app: the sidebar routes to each, the sample-data banner is on every
// screen, and an empty workspace opens on the first-run screen.
import { afterEach, describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';

import App from '../src/App.svelte';
import { createMockBackend, demoCase } from '../src/lib/backend/mock';

afterEach(() => {
  location.hash = '';
});

const loose = (h: Record<string, (p: any) => unknown>) => h;

function backend(status: { demo_active: boolean; accounts: number; cases: number }, cases = [demoCase(1)]) {
  const s = { ...status };
  return createMockBackend({
    cases,
    // Test doubles return only what the screens read, so they are not checked against the result types.
    handlers: loose({
      workspace_status: () => s,
      account_list: () => [],
      followup_list: () => ({ now: 0, follow_ups: [], overdue: 2, due: 1 }),
      template_list: () => ({ templates: [], variables: [] }),
      protocol_list: () => ({ rules: [] }),
      hours_get: () => ({ hours: { time_zone: 'UTC', week: {}, holidays: [] }, repeat_window_days: 30, due_soon_minutes: 30 }),
      settings_get: () => ({ settings: [] }),
      demo_start: () => {
        Object.assign(s, { demo_active: true, cases: 3 });
        return s;
      },
    }),
  });
}

const SCREENS: [string, string][] = [
  ['accounts', 'accounts-screen'],
  ['root-causes', 'root-causes-screen'],
  ['follow-ups', 'follow-ups-screen'],
  ['protocol', 'protocol-screen'],
  ['templates', 'templates-screen'],
  ['settings', 'settings-screen'],
];

describe('app navigation', () => {
  it('the sidebar opens every screen, and the sample-data banner stays on all of them', async () => {
    render(App, { backend: backend({ demo_active: true, accounts: 0, cases: 3 }) });
    await screen.findByTestId('demo-banner');
    expect((await screen.findByTestId('badge-follow-ups')).textContent).toBe('3');
    for (const [id, testId] of SCREENS) {
      await fireEvent.click(document.querySelector(`a[data-screen="${id}"]`)!);
      location.hash = `#/${id}`;
      window.dispatchEvent(new HashChangeEvent('hashchange'));
      await screen.findByTestId(testId);
      expect(document.querySelector(`a[data-screen="${id}"]`)?.getAttribute('aria-current')).toBe('page');
      expect(screen.getByTestId('demo-banner')).toBeTruthy();
    }
  });

  it('"Open case" on a follow-up opens that case in the inbox', async () => {
    location.hash = '#/follow-ups';
    const withFollowUp = createMockBackend({
      cases: [demoCase(1, { subject: 'Lamp never arrived' })],
      handlers: loose({
        workspace_status: () => ({ demo_active: false, accounts: 1, cases: 1 }),
        followup_list: () => ({
          now: 0,
          follow_ups: [{ id: 7, case_id: 1, case_subject: 'Lamp never arrived', case_status: 'open', due_at: 1, note: 'Call back', done_at: null, notified_at: null, created_at: 0, state: 'overdue' }],
          overdue: 1,
          due: 0,
        }),
      }),
    });
    render(App, { backend: withFollowUp });
    const item = await screen.findByTestId('follow-up');
    await fireEvent.click(within(item).getByRole('button', { name: 'Open case' }));
    await waitFor(() => expect(location.hash).toBe('#/inbox/1'));
  });

  it('an empty workspace opens on the first-run screen; Connect goes to accounts', async () => {
    render(App, { backend: backend({ demo_active: false, accounts: 0, cases: 0 }, []) });
    await fireEvent.click(await screen.findByTestId('connect-first'));
    await screen.findByTestId('accounts-screen');
    expect(location.hash).toBe('#/accounts');
  });

  it('"Try it with sample data" opens the demo and shows the banner', async () => {
    const b = backend({ demo_active: false, accounts: 0, cases: 0 }, []);
    render(App, { backend: b });
    await fireEvent.click(await screen.findByTestId('try-demo'));
    await waitFor(() => expect(screen.queryByTestId('first-run')).toBeNull());
    // Switching workspaces publishes a change set in the real app; the banner reloads on it.
    b.notify({ case: [] });
    await screen.findByTestId('demo-banner');
  });
});
