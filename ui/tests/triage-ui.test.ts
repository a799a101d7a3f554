import { beforeEach, describe, expect, it, vi } from 'vitest';
import { configure, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';

import App from '../src/App.svelte';
import CaseView from '../src/lib/case/CaseView.svelte';
import Composer from '../src/lib/composer/Composer.svelte';
import InboxList from '../src/lib/inbox/InboxList.svelte';
import OutboxIndicator from '../src/lib/composer/OutboxIndicator.svelte';
import { createMockBackend, demoCase, demoData, type MockHandlers } from '../src/lib/backend/mock';
import type { MessageView } from '../src/lib/backend/types';
import { EMAIL_CSP_REMOTE_IMAGES } from '../src/lib/case/email';
import { VIEWS_STORAGE_KEY } from '../src/lib/inbox/views';

const HOUR = 3_600_000;

// The tree is shared by several builds on a 2-core machine: give the DOM time under load. These
// are upper bounds for waiting, not expectations about speed.
configure({ asyncUtilTimeout: 5_000 });
vi.setConfig({ testTimeout: 20_000 });

/** Handlers that return only what the UI reads (the generated result types are wider). */
const loose = (h: Record<string, (p: any) => unknown>) => h as MockHandlers;
const rows = () => Array.from(document.querySelectorAll<HTMLElement>('button.row'));

function msg(id: number, over: Partial<MessageView>): MessageView {
  return {
    id,
    conversation_id: 1,
    channel: 'email',
    direction: 'inbound',
    visibility: 'private',
    external_id: `<${id}@x>`,
    author: { id: 7, name: 'Maria Lopez', address: 'maria@example.com' },
    recipients: [],
    subject: 'Where is my order?',
    sent_at: id * 1000,
    unread: false,
    snippet: '',
    text: 'Hello',
    html: null,
    has_remote_content: false,
    attachments: [],
    ...over,
  };
}

function appBackend(handlers: MockHandlers = {}) {
  return createMockBackend({ ...demoData(1_800_000_000_000), handlers });
}

beforeEach(() => {
  location.hash = '';
  localStorage.clear();
});

describe('inbox rows', () => {
  it('shows channel icons, priority and a response clock that turns red once breached', async () => {
    const now = Date.now();
    const backend = createMockBackend({
      cases: [
        demoCase(1, { subject: 'Late', priority: 'high', response_due_at: now - 30 * 60_000, last_message_at: 2 * HOUR,
          messages: [msg(10, { channel: 'bluesky', visibility: 'public', sent_at: 2 * HOUR })] }),
        demoCase(2, { subject: 'Fine', response_due_at: now + 5 * HOUR, last_message_at: 1 * HOUR, ...{ repeat: true } }),
        demoCase(3, { subject: 'Done', status: 'resolved', response_due_at: now - HOUR, last_message_at: 0 }),
      ],
    });
    render(InboxList, { backend, onopen: () => {} });
    await waitFor(() => expect(rows()).toHaveLength(3));
    const [late, fine, done] = rows();
    expect(late.querySelector('svg[data-channel="bluesky"]')).not.toBeNull();
    expect(late.querySelector('[data-testid="priority"]')?.textContent).toBe('High');
    const clock = late.querySelector('[data-testid="clock"]')!;
    expect(clock.classList.contains('breached')).toBe(true);
    expect(clock.textContent).toMatch(/-3\dm/);
    expect(fine.querySelector('[data-testid="clock"]')?.classList.contains('breached')).toBe(false);
    expect(fine.querySelector('[data-testid="priority"]')).toBeNull(); // normal stays quiet
    expect(fine.querySelector('[data-testid="repeat"]')).not.toBeNull();
    expect(late.querySelector('[data-testid="repeat"]')).toBeNull();
    expect(done.querySelector('[data-testid="clock"]')).toBeNull(); // resolved: no clock
  });
});

describe('inbox at 100k cases', () => {
  it('fetches one page and keeps only the visible rows in the DOM', async () => {
    const cases = Array.from({ length: 100_000 }, (_, i) =>
      demoCase(i + 1, { last_message_at: i * 1000, messages: [], snippet: `Snippet ${i + 1}` }),
    );
    const backend = createMockBackend({ cases });
    render(InboxList, { backend, onopen: () => {} });
    await waitFor(() => expect(screen.getByTestId('case-count').textContent).toBe('100000 cases'));
    await waitFor(() => expect(rows().length).toBeGreaterThan(0));
    expect(rows().length).toBeLessThan(40); // 600 px viewport / 76 px rows, plus overscan
    expect(backend.calls.filter(([n]) => n === 'case_list')).toEqual([['case_list', expect.objectContaining({ limit: 500, offset: 0 })]]);
  }, 30_000);
});

describe('inbox filters, views and search', () => {
  function three() {
    return createMockBackend({
      cases: [
        demoCase(1, { subject: 'Email one', last_message_at: 1 * HOUR }),
        demoCase(2, { subject: 'Bluesky two', last_message_at: 2 * HOUR, status: 'open',
          messages: [msg(20, { channel: 'bluesky', text: 'my parcel is late', sent_at: 2 * HOUR })] }),
        demoCase(3, { subject: 'Email three', last_message_at: 3 * HOUR, labels: ['vip-shop'] }),
      ],
    });
  }

  it('filters by channel and by label through case_list', async () => {
    const backend = three();
    render(InboxList, { backend, onopen: () => {} });
    await waitFor(() => expect(rows()).toHaveLength(3));
    await fireEvent.change(screen.getByLabelText('Channel'), { target: { value: 'bluesky' } });
    await waitFor(() => expect(rows().map((r) => r.dataset.caseId)).toEqual(['2']));
    expect(backend.calls.at(-1)).toEqual(['case_list', expect.objectContaining({ channel: 'bluesky' })]);
    await fireEvent.change(screen.getByLabelText('Channel'), { target: { value: '' } });
    await waitFor(() => expect(rows()).toHaveLength(3));
    await fireEvent.change(screen.getByLabelText('Label'), { target: { value: 'vip-shop' } });
    await waitFor(() => expect(rows().map((r) => r.dataset.caseId)).toEqual(['3']));
  });

  it('saves the current filter as a named view and applies it later', async () => {
    const backend = three();
    vi.spyOn(window, 'prompt').mockReturnValue('Open ones on Bluesky');
    render(InboxList, { backend, onopen: () => {} });
    await waitFor(() => expect(rows()).toHaveLength(3));
    await fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'open' } });
    await fireEvent.click(await screen.findByRole('button', { name: 'Save view' }));
    expect(JSON.parse(localStorage.getItem(VIEWS_STORAGE_KEY)!)[0].name).toBe('Open ones on Bluesky');

    await fireEvent.click(screen.getByRole('button', { name: 'All' }));
    await waitFor(() => expect(rows()).toHaveLength(3));
    await fireEvent.click(screen.getByRole('button', { name: 'Open ones on Bluesky' }));
    await waitFor(() => expect(rows().map((r) => r.dataset.caseId)).toEqual(['2']));
  });

  it('searches on Enter, lists each matching case once, and Escape returns to the list', async () => {
    const backend = three();
    const onopen = vi.fn();
    render(InboxList, { backend, onopen });
    await waitFor(() => expect(rows()).toHaveLength(3));
    const box = screen.getByLabelText('Search');
    await fireEvent.input(box, { target: { value: 'parcel' } });
    await fireEvent.keyDown(box, { key: 'Enter' });
    await waitFor(() => expect(rows().map((r) => r.dataset.caseId)).toEqual(['2']));
    expect(screen.getByTestId('hit-count').textContent).toBe('1 case matches');
    expect(backend.calls.some(([n, p]) => n === 'case_search' && (p as { query: string }).query === 'parcel')).toBe(true);
    await fireEvent.click(rows()[0]);
    expect(onopen).toHaveBeenCalledWith(2);
    await fireEvent.keyDown(box, { key: 'Escape' });
    await waitFor(() => expect(rows()).toHaveLength(3));
  });
});

describe('app keyboard', () => {
  it('/ focuses the search box and ? shows the shortcut help', async () => {
    render(App, { backend: appBackend() });
    await waitFor(() => expect(rows().length).toBeGreaterThan(0));
    await fireEvent.keyDown(window, { key: '/' });
    await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText('Search')));
    (document.activeElement as HTMLElement).blur();
    await fireEvent.keyDown(window, { key: '?' });
    const help = await screen.findByRole('dialog', { name: 'Keyboard shortcuts' });
    expect(help.textContent).toContain('Tag a root cause');
    await fireEvent.keyDown(window, { key: 'Escape' });
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  it('Ctrl+K opens the palette; a case number jumps to that case', async () => {
    render(App, { backend: appBackend() });
    await waitFor(() => expect(rows().length).toBeGreaterThan(0));
    await fireEvent.keyDown(window, { key: 'k', ctrlKey: true });
    const input = await screen.findByRole('combobox', { name: 'Command' });
    await fireEvent.input(input, { target: { value: '#2' } });
    expect(within(screen.getByRole('listbox', { name: 'Commands' })).getAllByRole('option')[0].textContent).toContain('Open case #2');
    await fireEvent.keyDown(input, { key: 'Enter' });
    await screen.findByRole('heading', { name: 'Charged twice for one subscription' });
    expect(location.hash).toBe('#/inbox/2');
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('the palette fuzzy-filters actions and runs them on the open case', async () => {
    const backend = appBackend();
    location.hash = '#/inbox/1';
    render(App, { backend });
    await screen.findByRole('heading', { name: 'Where is my order #4411?' });
    await fireEvent.keyDown(window, { key: 'k', metaKey: true });
    const input = await screen.findByRole('combobox', { name: 'Command' });
    await fireEvent.input(input, { target: { value: 'reslv' } });
    expect(within(screen.getByRole('listbox', { name: 'Commands' })).getAllByRole('option')[0].textContent).toContain('Resolve');
    await fireEvent.keyDown(input, { key: 'Enter' });
    await waitFor(() => expect(screen.getByTestId('case-status').textContent).toBe('Resolved'));
  });

  it('t tags a root cause, e resolves, s snoozes until the customer replies', async () => {
    const backend = appBackend();
    location.hash = '#/inbox/2';
    render(App, { backend });
    await screen.findByRole('heading', { name: 'Charged twice for one subscription' });

    await fireEvent.keyDown(window, { key: 't' });
    const picker = await screen.findByRole('dialog', { name: 'Tag a root cause' });
    await fireEvent.input(within(picker).getByLabelText('Root cause'), { target: { value: 'late' } });
    await fireEvent.keyDown(within(picker).getByLabelText('Root cause'), { key: 'Enter' });
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(backend.cases.find((c) => c.id === 2)!.root_causes).toContain('Shipping › Late delivery');

    await fireEvent.keyDown(window, { key: 's' });
    const snooze = await screen.findByRole('dialog', { name: 'Snooze' });
    await fireEvent.click(within(snooze).getByRole('button', { name: 'Until the customer replies' }));
    await waitFor(() => expect(screen.getByTestId('case-status').textContent).toBe('Snoozed'));
    expect(backend.calls).toContainEqual(['case_set_status', { case_id: 2, status: 'snoozed', until_reply: true }]);

    await fireEvent.keyDown(window, { key: 'e' });
    await waitFor(() => expect(screen.getByTestId('case-status').textContent).toBe('Resolved'));
  });

  it('a shortcut acts once: coming back to the inbox does not replay it on another case', async () => {
    const backend = appBackend();
    location.hash = '#/inbox/2';
    render(App, { backend });
    await screen.findByRole('heading', { name: 'Charged twice for one subscription' });
    await fireEvent.keyDown(window, { key: 'e' });
    await waitFor(() => expect(screen.getByTestId('case-status').textContent).toBe('Resolved'));
    location.hash = '#/settings';
    await waitFor(() => expect(screen.queryByRole('heading', { name: 'Charged twice for one subscription' })).toBeNull());
    location.hash = '#/inbox/1';
    await screen.findByRole('heading', { name: 'Where is my order #4411?' });
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.getByTestId('case-status').textContent).toBe('New');
    expect(backend.calls.filter(([n]) => n === 'case_set_status')).toHaveLength(1);
  });

  it('r opens the composer; Send queues the reply through reply_create', async () => {
    const replies: unknown[] = [];
    const backend = appBackend(
      loose({
        reply_create: (p: unknown) => {
          replies.push(p);
          return { case_id: 2, outbox_id: 1 };
        },
      }),
    );
    location.hash = '#/inbox/2';
    render(App, { backend });
    await screen.findByRole('heading', { name: 'Charged twice for one subscription' });
    await fireEvent.keyDown(window, { key: 'r' });
    const text = await screen.findByLabelText('Reply text');
    await waitFor(() => expect(document.activeElement).toBe(text));
    await fireEvent.input(text, { target: { value: 'Refund is on its way.' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    await screen.findByText('Reply queued in the outbox.');
    expect(replies).toEqual([{ case_id: 2, text: 'Refund is on its way.', account: null, private: null }]);
  });
});

describe('composer', () => {
  it('counts Bluesky graphemes against 300 and offers take-offline when a public reply does not fit', async () => {
    const onofferoffline = vi.fn();
    const backend = createMockBackend({});
    render(Composer, { backend, caseId: 1, channel: 'bluesky', publicThread: true, onofferoffline });
    const text = screen.getByLabelText('Reply text');
    await fireEvent.input(text, { target: { value: '👍🏽'.repeat(300) } });
    expect(screen.getByTestId('counter').textContent).toContain('300 / 300');
    expect(screen.getByRole('button', { name: 'Send' }).hasAttribute('disabled')).toBe(false);
    await fireEvent.input(text, { target: { value: '👍🏽'.repeat(301) } });
    expect(screen.getByTestId('counter').classList.contains('over')).toBe(true);
    expect(screen.getByRole('button', { name: 'Send' }).hasAttribute('disabled')).toBe(true);
    await fireEvent.click(screen.getByRole('button', { name: 'Take it offline instead' }));
    expect(onofferoffline).toHaveBeenCalledWith('👍🏽'.repeat(301));
  });

  it('uses the limits channel_limits reports and sends the chosen visibility', async () => {
    const sent: unknown[] = [];
    const backend = createMockBackend({
      handlers: loose({
        account_list: () => [{ id: 3, kind: 'email', enabled: true }, { id: 4, kind: 'mastodon', enabled: true }],
        channel_limits: (p: { account_id: number }) => {
          expect(p).toEqual({ account_id: 4 });
          return {
            account_id: 4,
            channel: 'mastodon',
            limits: [
              { visibility: 'public', unit: 'chars', max: 20 },
              { visibility: 'private', unit: 'chars', max: 20 },
            ],
          };
        },
        reply_create: (p: unknown) => (sent.push(p), {}),
      }),
    });
    render(Composer, { backend, caseId: 4, channel: 'mastodon', publicThread: true });
    await waitFor(() => expect(screen.getByTestId('counter').textContent).toContain('0 / 20'));
    await fireEvent.click(screen.getByLabelText('Direct message'));
    await fireEvent.input(screen.getByLabelText('Reply text'), { target: { value: 'DM me your order' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    await waitFor(() => expect(sent).toEqual([{ case_id: 4, text: 'DM me your order', account: null, private: true }]));
  });

  it('inserts a rendered template for the channel and visibility', async () => {
    const backend = createMockBackend({
      handlers: loose({
        template_list: () => ({ templates: [{ id: 1, name: 'Why this channel', variants: [] }], variables: [] }),
        template_render: (p: { name: string; visibility: string }) => ({ text: `Hi Maria (${p.visibility})`, variant: 'private' }),
      }),
    });
    render(Composer, { backend, caseId: 1, channel: 'email' });
    const select = await screen.findByLabelText('Insert template');
    await fireEvent.change(select, { target: { value: 'Why this channel' } });
    await waitFor(() => expect((screen.getByLabelText('Reply text') as HTMLTextAreaElement).value).toBe('Hi Maria (private)'));
  });
});

describe('case view panels', () => {
  const html = '<p>See <img src="https://cdn.shop.example/x.png"></p>';

  function caseBackend(handlers: Record<string, (p: any) => unknown> = {}) {
    return createMockBackend({
      cases: [demoCase(5, { subject: 'Photo of the box', messages: [msg(1, { html, has_remote_content: true })] })],
      handlers: loose(handlers),
    });
  }

  it('"Show" allows remote images for the sender and saves that in the settings', async () => {
    const saved: unknown[] = [];
    const backend = caseBackend({
      settings_get: () => ({ settings: [{ key: 'remote_images_allowed', value: '', is_set: false }] }),
      settings_set: (p: unknown) => (saved.push(p), { key: 'remote_images_allowed', value: '', is_set: true }),
    });
    render(CaseView, { backend, caseId: 5 });
    await screen.findByRole('heading', { name: 'Photo of the box' });
    expect(document.querySelector('iframe')!.getAttribute('srcdoc')).not.toMatch(/ src="https:/);
    await fireEvent.click(screen.getByRole('button', { name: /Show, and always for maria@example.com/ }));
    await waitFor(() => expect(document.querySelector('iframe')!.getAttribute('srcdoc')).toContain(EMAIL_CSP_REMOTE_IMAGES));
    expect(document.querySelector('iframe')!.getAttribute('srcdoc')).toContain('src="https://cdn.shop.example/x.png"');
    expect(document.querySelector('iframe')!.getAttribute('sandbox')).toBe('');
    expect(saved).toEqual([{ key: 'remote_images_allowed', value: 'maria@example.com' }]);
  });

  it('keeps the allowed sender on this machine when the workspace has no such setting', async () => {
    const saved: unknown[] = [];
    const backend = caseBackend({
      settings_get: () => ({ settings: [{ key: 'require_root_cause', value: 'false', is_set: false }] }),
      settings_set: (p: unknown) => (saved.push(p), {}),
    });
    render(CaseView, { backend, caseId: 5 });
    await screen.findByRole('heading', { name: 'Photo of the box' });
    await fireEvent.click(await screen.findByRole('button', { name: /Show, and always for maria@example.com/ }));
    await waitFor(() => expect(localStorage.getItem('switchboard.remote_images_allowed')).toBe('maria@example.com'));
    expect(saved).toEqual([]);
    expect(document.querySelector('iframe')!.getAttribute('srcdoc')).toContain('src="https://cdn.shop.example/x.png"');
  });

  it('shows the rule that fired, the response clock and repeat contact from case_insights', async () => {
    const backend = caseBackend({
      case_insights: () => ({
        case_id: 5,
        protocol: [
          {
            id: 1,
            at: 0,
            message_id: 1,
            fired: [{ rule_id: 1, name: 'Public complaint', reasons: ['public message on bluesky', 'contains "late"'], actions: { priority: 'high' } }],
            actions: { priority: 'high', target: { minutes: 60, basis: 'calendar' }, channel: 'email' },
          },
        ],
        response: { state: 'on_track', due_at: Date.now() + 45 * 60_000, responded_at: null, basis: 'calendar', remaining_ms: 45 * 60_000 },
        breaches: [],
        repeat: {
          repeat: true,
          earlier: [{ case_id: 2, subject: 'Earlier email', channels: ['email'], status: 'resolved', first_at: 0, last_at: 0, resolved_at: 0 }],
        },
      }),
    });
    render(CaseView, { backend, caseId: 5 });
    const panel = await screen.findByRole('region', { name: 'Protocol' });
    await within(panel).findByText('Public complaint');
    expect(panel.textContent).toContain('public message on bluesky; contains "late"');
    expect(panel.textContent).toContain('Priority High.');
    expect(panel.textContent).toContain('Suggested channel: Email.');
    expect(within(panel).getByTestId('response-clock').textContent).toMatch(/Respond within\s+4\dm/);
    expect(within(panel).getByTestId('repeat-contact').textContent).toContain('#2 Earlier email');
  });

  it('adds a follow-up and marks one done', async () => {
    const list = [{ id: 3, case_id: 5, due_at: Date.now() - HOUR, note: 'Call back', done_at: null, state: 'overdue' }];
    const added: unknown[] = [];
    const backend = caseBackend({
      followup_list: () => ({ now: Date.now(), follow_ups: list, overdue: 1, due: 0 }),
      followup_add: (p: { case_id: number; due: string; note: string }) => {
        added.push(p);
        list.push({ id: 4, case_id: p.case_id, due_at: Date.now() + HOUR, note: p.note, done_at: null, state: 'upcoming' });
        return list.at(-1);
      },
      followup_done: (p: { id: number }) => {
        list.splice(list.findIndex((f) => f.id === p.id), 1);
        return { changed: true };
      },
    });
    render(CaseView, { backend, caseId: 5 });
    const panel = await screen.findByRole('region', { name: 'Follow-ups' });
    await within(panel).findByText('Call back');
    await fireEvent.click(within(panel).getByRole('button', { name: '+ Add follow-up' }));
    await fireEvent.input(within(panel).getByLabelText('Follow-up due'), { target: { value: '+3d' } });
    await fireEvent.input(within(panel).getByLabelText('Follow-up note'), { target: { value: 'Check the refund' } });
    await fireEvent.click(within(panel).getByRole('button', { name: 'Add' }));
    await within(panel).findByText('Check the refund');
    expect(added).toEqual([{ case_id: 5, due: '+3d', note: 'Check the refund' }]);
    await fireEvent.click(within(panel).getAllByRole('button', { name: 'Done' })[0]);
    await waitFor(() => expect(within(panel).queryByText('Call back')).toBeNull());
  });

  it('takes a case offline to email with the acknowledgement preview', async () => {
    const offline: unknown[] = [];
    const previews: unknown[] = [];
    const backend = caseBackend({
      template_list: () => ({ templates: [{ id: 1, name: 'Take offline acknowledgement', variants: [] }], variables: [] }),
      template_render: (p: unknown) => (previews.push(p), { text: 'Sorry Maria! We sent you an email.', variant: 'public' }),
      case_offline: (p: unknown) => (offline.push(p), { case_id: 5, ack_skipped: null, case_status: 'waiting' }),
    });
    render(CaseView, { backend, caseId: 5 });
    await screen.findByRole('heading', { name: 'Photo of the box' });
    await fireEvent.click(screen.getByRole('button', { name: 'Take offline…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Take offline' });
    expect((await within(dialog).findByTestId('ack-preview')).textContent).toBe('Sorry Maria! We sent you an email.');
    await fireEvent.input(within(dialog).getByLabelText('Private message'), { target: { value: 'Here is what happened…' } });
    await fireEvent.input(within(dialog).getByLabelText('Email address'), { target: { value: ' maria@example.com ' } });
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Take offline' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(offline).toEqual([
      {
        case_id: 5,
        via: 'email',
        template: 'Take offline acknowledgement',
        no_ack: false,
        ack_again: false,
        text: 'Here is what happened…',
        subject: null,
        to: 'maria@example.com',
        account: null,
        duration: null,
        outcome: null,
      },
    ]);
    // The preview renders the acknowledgement for the route chosen, so it says "emailed".
    expect(previews).toContainEqual(expect.objectContaining({ visibility: 'public', offline_via: 'email' }));
  });

  it('logs a call and shows API errors in the dialog', async () => {
    const calls: unknown[] = [];
    const backend = caseBackend({
      case_log_call: (p: { duration: string }) => {
        if (p.duration === 'soon') throw { code: 'invalid_input', message: 'cannot read duration "soon"' };
        calls.push(p);
        return {};
      },
    });
    render(CaseView, { backend, caseId: 5 });
    await screen.findByRole('heading', { name: 'Photo of the box' });
    await fireEvent.click(screen.getByRole('button', { name: 'Log call…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Log a call' });
    await fireEvent.input(within(dialog).getByLabelText('Duration'), { target: { value: 'soon' } });
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Log call' }));
    expect((await within(dialog).findByRole('alert')).textContent).toBe('cannot read duration "soon"');
    await fireEvent.input(within(dialog).getByLabelText('Duration'), { target: { value: '12m' } });
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Log call' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(calls).toEqual([
      { case_id: 5, direction: 'outbound', duration: '12m', outcome: 'resolved', outcome_text: null, note: null, in_person: false, at: null },
    ]);
  });
});

describe('outbox indicator', () => {
  it('counts queued, unknown and failed replies and reloads on store changes', async () => {
    const items = [
      { id: 1, state: 'queued', discarded: false },
      { id: 2, state: 'failed', discarded: false, last_error: 'auth refused' },
    ];
    const backend = createMockBackend({
      handlers: loose({
        outbox_list: () =>
          items.map((i) => ({ case_id: 1, account: 'shop', to: ['a@x'], subject: 'Re: x', message_id: 'm', attempts: 0,
            next_attempt_at: null, error_class: null, last_error: null, created_at: 0, sent_at: null, hint: null, ...i })),
      }),
    });
    const { rerender } = render(OutboxIndicator, { backend, revision: 0 });
    expect((await screen.findByTestId('outbox-queued')).textContent).toBe('1 queued');
    expect(screen.getByTestId('outbox-failed').textContent).toBe('1 failed');
    items.push({ id: 3, state: 'unknown', discarded: false });
    await rerender({ backend, revision: 1 });
    expect((await screen.findByTestId('outbox-unknown')).textContent).toBe('1 unknown');
    await fireEvent.click(screen.getByTestId('outbox-indicator'));
    expect(screen.getByRole('region', { name: 'Outbox' }).textContent).toContain('auth refused');
  });
});

describe('case timeline, customer and history', () => {
  function richBackend(extra: Record<string, (p: any) => unknown> = {}) {
    const contact = {
      id: 7,
      display_name: 'Maria Lopez',
      vip: false,
      do_not_engage: false,
      merged_into: null,
      identities: [
        { id: 1, channel: 'email', external_id: 'maria@example.com', handle: 'maria@example.com', display_name: 'Maria', is_self: false },
        { id: 2, channel: 'bluesky', external_id: 'did:plc:maria', handle: 'maria.bsky.social', display_name: 'Maria', is_self: false },
      ],
      cases: [
        { id: 5, subject: 'Photo of the box', status: 'open', channels: ['email'], created_at: 0, last_message_at: 0, resolved_at: null },
        { id: 3, subject: 'Wrong colour', status: 'resolved', channels: ['bluesky'], created_at: 0, last_message_at: 0, resolved_at: 0 },
        { id: 8, subject: 'A later question', status: 'new', channels: ['email'], created_at: 99_000, last_message_at: 0, resolved_at: null },
      ],
    };
    const events: { id: number; case_id: number; at: number; actor: string; device: string; kind: string; summary: string; data: object; undone_by: number | null; undoable: boolean }[] = [
      { id: 90, case_id: 5, at: 3000, actor: 'user', device: 'laptop', kind: 'status', summary: 'Status new → open', data: {}, undone_by: null, undoable: true },
    ];
    const merged: unknown[] = [];
    const undone: unknown[] = [];
    const backend = createMockBackend({
      cases: [demoCase(5, { subject: 'Photo of the box', contact: { id: 7, name: 'Maria Lopez', address: 'maria@example.com' }, messages: [msg(1, { text: 'The box was crushed' })] })],
      handlers: loose({
        case_timeline: () => ({
          case_id: 5,
          items: [
            { type: 'message', at: 1000, message: msg(1, { text: 'The box was crushed' }), call_duration_s: null, call_outcome: null },
            { type: 'message', at: 2000, message: msg(2, { channel: 'phone', direction: 'outbound', author: null, text: 'Called, sending a new one' }), call_duration_s: 720, call_outcome: 'resolved' },
            { type: 'event', at: 3000, event: events[0] },
            { type: 'note', at: 4000, note: { id: 9, body: 'Courier claim filed', author: 'me', created_at: 4000 } },
          ],
        }),
        contact_show: () => contact,
        contact_set_flags: (p: { vip: boolean | null }) => {
          if (p.vip !== null) contact.vip = p.vip;
          return { contact_id: 7, vip: contact.vip, do_not_engage: false };
        },
        contact_suggestions: () => [
          {
            contact_id: 7,
            other_id: 12,
            reason: 'same_handle',
            detail: 'maria.bsky.social and maria@mastodon.social',
            score: 1,
            contact: {
              id: 7,
              display_name: 'Maria Lopez',
              identities: [{ id: 1, channel: 'bluesky', external_id: 'did:plc:maria', handle: 'maria.bsky.social', display_name: 'Maria Lopez', is_self: false }],
            },
            other: {
              id: 12,
              display_name: 'Maria L.',
              identities: [{ id: 2, channel: 'mastodon', external_id: 'https://mastodon.social/users/maria', handle: 'maria@mastodon.social', display_name: 'Maria L.', is_self: false }],
            },
          },
        ],
        contact_merge: (p: unknown) => (merged.push(p), {}),
        case_history: () => ({ case_id: 5, events }),
        undo_last: (p: unknown) => {
          undone.push(p);
          events[0] = { ...events[0], undone_by: 91 };
          return { summary: 'status new → open', restored: 'case #5 is new again' };
        },
        ...extra,
      }),
    });
    return { backend, contact, merged, undone };
  }

  it('shows messages, logged calls, changes and notes in one chronological timeline', async () => {
    const { backend } = richBackend();
    render(CaseView, { backend, caseId: 5 });
    await screen.findByText('Courier claim filed');
    const order = Array.from(document.querySelectorAll<HTMLElement>('[data-message-id], [data-event-id], [data-note-id]')).map(
      (e) => e.dataset.messageId ?? (e.dataset.eventId ? `e${e.dataset.eventId}` : `n${e.dataset.noteId}`),
    );
    expect(order).toEqual(['1', '2', 'e90', 'n9']);
    expect(screen.getByTestId('call-meta').textContent).toContain('We called · 12 min · resolved');
  });

  it('the customer panel lists every identity and earlier case, toggles VIP and merges a suggestion', async () => {
    const { backend, contact, merged } = richBackend();
    render(CaseView, { backend, caseId: 5 });
    const panel = await screen.findByRole('region', { name: 'Customer' });
    await within(panel).findByText('Maria Lopez');
    expect(within(panel).getByRole('list', { name: 'Identities' }).textContent).toContain('maria.bsky.social');
    const earlier = within(panel).getByRole('list', { name: 'Earlier cases' });
    expect(earlier.textContent).toContain('#3 Wrong colour');
    expect(earlier.textContent).not.toContain('#5'); // the open case itself is not "earlier"
    expect(earlier.textContent).not.toContain('#8'); // created after the open case: not "earlier"
    await fireEvent.click(within(panel).getByLabelText('VIP'));
    await waitFor(() => expect(contact.vip).toBe(true));
    await fireEvent.click(within(panel).getByRole('button', { name: 'Merge into this customer' }));
    await waitFor(() => expect(merged).toEqual([{ into: 7, from: [12] }]));
  });

  it('history lists changes and Undo reverts the last one', async () => {
    const { backend, undone } = richBackend();
    render(CaseView, { backend, caseId: 5 });
    await screen.findByText('Courier claim filed');
    const panel = screen.getByRole('region', { name: 'History' });
    await fireEvent.click(within(panel).getByRole('button', { name: /History/ }));
    await within(panel).findByText('Status new → open');
    await fireEvent.click(screen.getByRole('button', { name: 'Undo' }));
    await screen.findByText('Undone: status new → open; case #5 is new again.');
    expect(undone).toEqual([{ case_id: 5 }]);
  });

  it('sets the priority through case_set_priority', async () => {
    const set: unknown[] = [];
    const { backend } = richBackend({ case_set_priority: (p: unknown) => (set.push(p), {}) });
    render(CaseView, { backend, caseId: 5 });
    await screen.findByText('Courier claim filed');
    await fireEvent.change(screen.getByLabelText('Priority'), { target: { value: 'urgent' } });
    await waitFor(() => expect(set).toEqual([{ case_id: 5, priority: 'urgent' }]));
  });
});
