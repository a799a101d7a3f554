import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';

import CaseView from '../src/lib/case/CaseView.svelte';
import InboxList from '../src/lib/inbox/InboxList.svelte';
import { NO_FILTER, VIEWS_STORAGE_KEY, loadViews } from '../src/lib/inbox/views';
import { createMockBackend, demoCase } from '../src/lib/backend/mock';

const HOUR = 3_600_000;
const REASON = 'List-Id: news.example.com';

/** A customer's case and a newsletter (newest). */
function backendWithNewsletter() {
  return createMockBackend({
    cases: [
      demoCase(1, { subject: 'Where is my parcel?', last_message_at: 1 * HOUR }),
      demoCase(2, { subject: 'Spring offers', last_message_at: 2 * HOUR, automated: REASON }),
    ],
  });
}

const rowIds = () => Array.from(document.querySelectorAll<HTMLElement>('button.row')).map((r) => r.dataset.caseId);

describe('automated mail in the inbox', () => {
  it('leaves newsletters out of the inbox and shows them, with why, under the Automated view', async () => {
    const backend = backendWithNewsletter();
    const caseList = vi.spyOn(backend, 'caseList');
    render(InboxList, { backend, onopen: () => {} });
    await waitFor(() => expect(rowIds()).toEqual(['1']));
    expect(caseList).toHaveBeenLastCalledWith(expect.objectContaining({ automated: false }));
    expect(screen.getByTestId('case-count').textContent).toBe('1 case');

    await fireEvent.click(screen.getByRole('button', { name: 'Automated' }));
    await waitFor(() => expect(rowIds()).toEqual(['2']));
    expect(caseList).toHaveBeenLastCalledWith(expect.objectContaining({ automated: true }));
    expect(screen.getByTestId('automated').textContent).toBe(REASON);

    await fireEvent.click(screen.getByRole('button', { name: 'All' }));
    await waitFor(() => expect(rowIds()).toEqual(['1']));
  });

  it('reads views saved before the filter existed as views without automated mail', () => {
    const saved = [{ name: 'Email', filter: { status: null, channel: 'email', root_cause: null, label: null } }];
    const storage = { getItem: (k: string) => (k === VIEWS_STORAGE_KEY ? JSON.stringify(saved) : null) };
    expect(loadViews(storage)).toEqual([{ name: 'Email', filter: { ...NO_FILTER, channel: 'email' } }]);
  });
});

describe('automated mail in the case view', () => {
  it('says why the case is automated and "This is a real customer" brings it back', async () => {
    const backend = backendWithNewsletter();
    render(CaseView, { backend, caseId: 2 });
    const marker = await screen.findByTestId('automated-marker');
    expect(marker.textContent).toContain(`Automated: ${REASON}`);

    await fireEvent.click(screen.getByRole('button', { name: 'This is a real customer' }));
    await waitFor(() => expect(screen.queryByTestId('automated-marker')).toBeNull());
    expect(backend.calls).toContainEqual(['case_set_automated', { case_id: 2, automated: false }]);
    expect(screen.getByRole('status').textContent).toContain('back in the inbox');

    const inbox = await backend.caseList({ limit: 0, offset: 0, automated: false });
    expect(inbox.cases.map((c) => c.id)).toEqual([2, 1]);
  });

  it('shows no marker on a customer\'s case', async () => {
    render(CaseView, { backend: backendWithNewsletter(), caseId: 1 });
    await screen.findByRole('heading', { name: 'Where is my parcel?' });
    expect(screen.queryByTestId('automated-marker')).toBeNull();
  });
});
