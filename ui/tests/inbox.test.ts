import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';

import App from '../src/App.svelte';
import InboxList from '../src/lib/inbox/InboxList.svelte';
import { createMockBackend, demoCase } from '../src/lib/backend/mock';

const HOUR = 3_600_000;

/** Three cases, newest first: 3, 2, 1. */
function backendWithThree() {
  return createMockBackend({
    cases: [
      demoCase(1, { subject: 'Oldest', last_message_at: 1 * HOUR }),
      demoCase(2, {
        subject: 'Middle',
        last_message_at: 2 * HOUR,
        root_causes: ['Shipping › Late delivery'],
        unread_count: 2,
      }),
      demoCase(3, { subject: 'Newest', last_message_at: 3 * HOUR, status: 'open' }),
    ],
  });
}

const rows = () => Array.from(document.querySelectorAll<HTMLElement>('button.row'));
const selectedRow = () => document.querySelector<HTMLElement>('button.row.selected');

describe('inbox list', () => {
  it('renders one row per case, newest first, with customer, subject, status, chips and unread', async () => {
    render(InboxList, { backend: backendWithThree(), onopen: () => {} });
    await waitFor(() => expect(rows()).toHaveLength(3));
    expect(rows().map((r) => r.dataset.caseId)).toEqual(['3', '2', '1']);
    const middle = rows()[1];
    expect(middle.textContent).toContain('Customer 2');
    expect(middle.textContent).toContain('Middle');
    expect(middle.textContent).toContain('Email');
    expect(middle.querySelector('.status')?.textContent).toBe('New');
    expect(middle.querySelector('.chip')?.textContent).toBe('Shipping › Late delivery');
    expect(middle.querySelector('.unread-count')?.textContent).toBe('2');
    expect(screen.getByTestId('case-count').textContent).toBe('3 cases');
  });

  it('j/k move the selection and Enter opens the selected case', async () => {
    const onopen = vi.fn();
    render(InboxList, { backend: backendWithThree(), onopen });
    await waitFor(() => expect(rows()).toHaveLength(3));
    expect(selectedRow()?.dataset.caseId).toBe('3'); // the first row starts selected

    await fireEvent.keyDown(window, { key: 'j' });
    await fireEvent.keyDown(window, { key: 'j' });
    await fireEvent.keyDown(window, { key: 'j' }); // stays on the last row
    expect(selectedRow()?.dataset.caseId).toBe('1');
    await fireEvent.keyDown(window, { key: 'k' });
    expect(selectedRow()?.dataset.caseId).toBe('2');

    await fireEvent.keyDown(window, { key: 'Enter' });
    expect(onopen).toHaveBeenCalledExactlyOnceWith(2);
  });

  it('ignores j/k while typing in a text field', async () => {
    render(InboxList, { backend: backendWithThree(), onopen: () => {} });
    await waitFor(() => expect(rows()).toHaveLength(3));
    const input = document.createElement('input');
    document.body.append(input);
    await fireEvent.keyDown(input, { key: 'j' });
    expect(selectedRow()?.dataset.caseId).toBe('3');
    input.remove();
  });

  it('shows how to import when there are no cases', async () => {
    render(InboxList, { backend: createMockBackend(), onopen: () => {} });
    const empty = await screen.findByTestId('empty-state');
    expect(empty.textContent).toContain('switchboard import PATH');
    expect(rows()).toHaveLength(0);
  });

  it('shows the API error message when the list cannot load', async () => {
    const backend = backendWithThree();
    backend.caseList = () => Promise.reject({ code: 'storage', message: 'database disk image is malformed' });
    render(InboxList, { backend, onopen: () => {} });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('database disk image is malformed');
  });

  it('reloads on store-changed without polling', async () => {
    const backend = backendWithThree();
    const list = vi.spyOn(backend, 'caseList');
    render(App, { backend });
    await waitFor(() => expect(rows()).toHaveLength(3));
    const callsBefore = list.mock.calls.length;

    backend.cases.push(demoCase(4, { subject: 'Brand new', last_message_at: 4 * HOUR }));
    backend.notify({ case: [4] });

    await waitFor(() => expect(rows()[0]?.dataset.caseId).toBe('4'));
    expect(list.mock.calls.length).toBe(callsBefore + 1);
  });

  it('renders only a window of rows for a large inbox', async () => {
    const many = Array.from({ length: 2000 }, (_, i) => demoCase(i + 1, { last_message_at: (i + 1) * HOUR }));
    render(InboxList, { backend: createMockBackend({ cases: many }), onopen: () => {} });
    await waitFor(() => expect(rows().length).toBeGreaterThan(0));
    expect(screen.getByTestId('case-count').textContent).toBe('2000 cases');
    expect(rows().length).toBeLessThan(100);
  });
});
