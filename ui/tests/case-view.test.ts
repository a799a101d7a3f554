import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';

import App from '../src/App.svelte';
import CaseView from '../src/lib/case/CaseView.svelte';
import { EMAIL_CSP } from '../src/lib/case/email';
import { createMockBackend, demoCase } from '../src/lib/backend/mock';
import type { MessageView } from '../src/lib/backend/types';

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
    text: '',
    html: null,
    has_remote_content: false,
    attachments: [],
    ...over,
  };
}

const HOSTILE_HTML =
  '<p>Hello <b>team</b></p><script>window.parent.pwned = true</script><img src="https://tracker.example/p.gif">';

function backendWithCase() {
  return createMockBackend({
    cases: [
      demoCase(5, {
        subject: 'Where is my order?',
        messages: [
          msg(1, { text: 'First, plain text only.' }),
          msg(2, { text: 'Hello team', html: HOSTILE_HTML, has_remote_content: true }),
          msg(3, { direction: 'outbound', author: null, text: 'We are on it.' }),
        ],
      }),
    ],
  });
}

describe('case view', () => {
  it('shows the messages in order', async () => {
    render(CaseView, { backend: backendWithCase(), caseId: 5 });
    await screen.findByRole('heading', { name: 'Where is my order?' });
    const ids = Array.from(document.querySelectorAll<HTMLElement>('article.message')).map((a) => a.dataset.messageId);
    expect(ids).toEqual(['1', '2', '3']);
    expect(screen.getByText('First, plain text only.')).toBeTruthy();
  });

  it('shows email HTML only inside an empty-sandbox iframe whose srcdoc starts with the CSP', async () => {
    render(CaseView, { backend: backendWithCase(), caseId: 5 });
    await screen.findByRole('heading', { name: 'Where is my order?' });

    const frames = document.querySelectorAll('iframe');
    expect(frames).toHaveLength(1); // only the message that has HTML
    const frame = frames[0];
    expect(frame.getAttribute('sandbox')).toBe(''); // no allow-scripts, no allow-same-origin
    const srcdoc = frame.getAttribute('srcdoc') ?? '';
    expect(srcdoc.startsWith(`<meta http-equiv="Content-Security-Policy" content="${EMAIL_CSP}">`)).toBe(true);
    expect(srcdoc).toContain('<b>team</b>');

    // The message HTML never reaches the app's own DOM: no script, no remote image there.
    expect(document.querySelectorAll('script')).toHaveLength(0);
    expect(document.querySelector('img[src^="https:"]')).toBeNull();
    expect(document.body.innerHTML).not.toContain('<b>team</b>');
    expect((window as unknown as { pwned?: boolean }).pwned).toBeUndefined();
    // The remote image is disarmed inside the srcdoc too, and a banner says so.
    expect(srcdoc).not.toMatch(/ src="https:/);
    expect(srcdoc).toContain('data-src="https://tracker.example/p.gif"');
    expect(screen.getByRole('status').textContent).toContain('Remote images blocked (1)');
  });

  it('status buttons change the status through the backend', async () => {
    const backend = backendWithCase();
    const setStatus = vi.spyOn(backend, 'caseSetStatus');
    render(CaseView, { backend, caseId: 5 });
    await screen.findByRole('heading', { name: 'Where is my order?' });
    expect(screen.getByTestId('case-status').textContent).toBe('New');

    await fireEvent.click(screen.getByRole('button', { name: 'Resolve' }));
    await waitFor(() => expect(screen.getByTestId('case-status').textContent).toBe('Resolved'));
    expect(setStatus).toHaveBeenCalledWith({ case_id: 5, status: 'resolved', until_reply: false });
    expect(screen.getByRole('button', { name: 'Resolve' }).getAttribute('aria-pressed')).toBe('true');
  });

  it('shows the API error message when the case cannot be opened', async () => {
    render(CaseView, { backend: backendWithCase(), caseId: 404 });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('case 404 not found');
  });

  it('shows the API error message when an action fails', async () => {
    const backend = backendWithCase();
    backend.caseSetStatus = () => Promise.reject({ code: 'storage', message: 'database is locked' });
    render(CaseView, { backend, caseId: 5 });
    await screen.findByRole('heading', { name: 'Where is my order?' });
    await fireEvent.click(screen.getByRole('button', { name: 'Waiting' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('database is locked');
  });

  it('adds an internal note', async () => {
    render(CaseView, { backend: backendWithCase(), caseId: 5 });
    await screen.findByRole('heading', { name: 'Where is my order?' });
    await fireEvent.input(screen.getByLabelText('Internal note (never sent)'), {
      target: { value: 'Called the courier' },
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Add note' }));
    await screen.findByText('Called the courier');
  });
});

describe('app', () => {
  it('j/k then Enter opens that case in the case pane', async () => {
    const backend = createMockBackend({
      cases: [
        demoCase(1, { subject: 'Older case', last_message_at: 1000 }),
        demoCase(2, { subject: 'Newer case', last_message_at: 2000 }),
      ],
    });
    render(App, { backend });
    await waitFor(() => expect(document.querySelectorAll('button.row')).toHaveLength(2));
    await fireEvent.keyDown(window, { key: 'j' });
    await fireEvent.keyDown(window, { key: 'Enter' });
    await screen.findByRole('heading', { name: 'Older case' });
  });

  it('refreshes the open case when the store changes', async () => {
    const backend = backendWithCase();
    render(App, { backend });
    await waitFor(() => expect(document.querySelectorAll('button.row')).toHaveLength(1));
    await fireEvent.keyDown(window, { key: 'Enter' });
    await screen.findByRole('heading', { name: 'Where is my order?' });

    backend.cases[0].messages.push(msg(4, { text: 'Any news?' }));
    backend.notify({ message: [4], case: [5] });
    await screen.findByText('Any news?');
  });
});
