// The Reports screen and the figures behind it: chart series keep exactly their cases, the digest
// sorts fixes that held from fixes that did not, CSV is spreadsheet-safe, and a click on a figure
// opens its cases.
import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';

import { createMockBackend } from '../src/lib/backend/mock';
import ReportsScreen from '../src/lib/reports/ReportsScreen.svelte';
import {
  channelLabel,
  digest,
  matrix,
  ratioText,
  toCsv,
  trendsByCause,
  trendsByChannel,
  trendsCsv,
  type Alert,
  type ChannelReport,
  type CustomerReport,
  type FixReport,
  type Trends,
} from '../src/lib/reports/model';

const count = (case_ids: number[]) => ({ count: case_ids.length, case_ids });

function trends(): Trends {
  return {
    from: '2026-11-02',
    to: '2026-11-15',
    previous_from: '2026-10-19',
    previous_to: '2026-11-01',
    by: 'week',
    time_zone: 'Europe/Berlin',
    periods: [
      { start: '2026-11-02', end: '2026-11-08', start_ms: 0, end_ms: 1 },
      { start: '2026-11-09', end: '2026-11-15', start_ms: 1, end_ms: 2 },
    ],
    channels: ['bluesky', 'email'],
    causes: [
      {
        root_cause_id: 1,
        path: 'Shipping',
        status: 'fixed',
        total: count([1, 2, 3, 4]),
        previous: count([9]),
        change: 3,
        buckets: [
          { ...count([1, 2, 3]), by_channel: [{ channel: 'bluesky', ...count([1, 2]) }, { channel: 'email', ...count([3]) }] },
          { ...count([4]), by_channel: [{ channel: 'email', ...count([4]) }] },
        ],
      },
      {
        root_cause_id: 2,
        path: 'Billing',
        status: 'open',
        total: count([5]),
        previous: count([7, 8]),
        change: -1,
        buckets: [{ ...count([]), by_channel: [] }, { ...count([5]), by_channel: [{ channel: 'bluesky', ...count([5]) }] }],
      },
    ],
    untagged: count([6]),
    risers: [{ root_cause_id: 1, path: 'Shipping', current: 4, previous: 1, change: 3, change_pct: 300 }],
    fallers: [{ root_cause_id: 2, path: 'Billing', current: 1, previous: 2, change: -1, change_pct: -50 }],
  } as unknown as Trends;
}

function fix(verdict: FixReport['verdict'], ratio: number | null, ci: [number, number] | null): FixReport {
  return {
    root_cause_id: 1,
    root_cause: 'Shipping',
    fixed_at: 0,
    fix_note: 'new courier',
    before: { start_ms: 0, end_ms: 1, cases: 8, weeks: 4, rate_per_week: 2, case_ids: [1, 2] },
    after: { start_ms: 1, end_ms: 2, cases: 1, weeks: 4, rate_per_week: 0.25, case_ids: [4] },
    rate_ratio: ratio,
    ci95: ci,
    verdict,
    verdict_text: 'words',
    case_ids_after: [4],
  } as unknown as FixReport;
}

function channels(): ChannelReport {
  const dur = { count: 1, p50_minutes: 30, p90_minutes: 90, case_ids: [1] };
  const share = (s: number | null) => ({ met: count([1]), missed: count([]), share: s });
  return {
    from: '2026-11-02',
    to: '2026-11-15',
    time_zone: 'Europe/Berlin',
    channels: [
      {
        channel: 'bluesky',
        identified: count([1, 2, 5]),
        resolved: count([1, 2]),
        resolved_same_channel: count([]),
        resolved_elsewhere: [{ channel: 'email', ...count([1, 2]) }],
        taken_offline: count([1, 2]),
        taken_offline_to: [{ channel: 'email', ...count([1, 2]) }],
        first_response: dur,
        resolution: dur,
        within_target: { public: share(0.5), private: share(null) },
        repeat: count([2]),
        repeat_rate: 1 / 3,
        reasons: [{ reason: 'phone_tree', ...count([1, 2]) }],
        reason_unknown: count([5]),
      },
    ],
    matrix: [{ origin: 'bluesky', resolved_on: 'email', ...count([1, 2]) }],
  } as unknown as ChannelReport;
}

function customers(): CustomerReport {
  return {
    from: '2026-11-02',
    to: '2026-11-15',
    time_zone: 'Europe/Berlin',
    unique_customers: 4,
    cases: count([1, 2, 3, 4, 5, 6]),
    repeat_cases: count([2]),
    reopened: count([3]),
    repeat_contacts: [
      { contact_id: 7, name: 'Alice Ng', address: 'alice@example.com', cases: [{}, {}], channels: ['bluesky', 'email'], case_ids: [1, 2], repeat_case_ids: [2] },
    ],
  } as unknown as CustomerReport;
}

const alert: Alert = {
  id: 3,
  kind: 'term',
  subject: 'courier, parcel',
  terms: ['courier', 'parcel'],
  root_cause_id: null,
  start: Date.UTC(2026, 10, 14),
  count: 12,
  expected: 2.5,
  p_value: 1e-6,
  case_ids: [4, 5],
  created_at: 0,
  updated_at: 0,
  acked_at: null,
  notified_at: null,
} as unknown as Alert;

describe('report figures', () => {
  it('stacks a period by channel and keeps exactly the cases of each bar', () => {
    const d = trendsByChannel(trends());
    expect(d.categories).toEqual(['2 Nov', '9 Nov']);
    const bluesky = d.series.find((s) => s.name === 'Bluesky')!;
    expect(bluesky.values).toEqual([2, 1]);
    expect(bluesky.caseIds).toEqual([[1, 2], [5]]);
    const email = d.series.find((s) => s.name === 'Email')!;
    expect(email.values).toEqual([1, 1]);
    expect(email.caseIds).toEqual([[3], [4]]);
  });

  it('narrows the channel chart to one cause', () => {
    const d = trendsByChannel(trends(), 'Billing');
    expect(d.series.map((s) => s.name)).toEqual(['Bluesky']);
    expect(d.series[0].values).toEqual([0, 1]);
  });

  it('gives one series per cause with its cases', () => {
    const d = trendsByCause(trends());
    expect(d.series.map((s) => [s.name, s.values])).toEqual([
      ['Shipping', [3, 1]],
      ['Billing', [0, 1]],
    ]);
    expect(d.series[0].caseIds[0]).toEqual([1, 2, 3]);
  });

  it('sorts fixes into held, not held and too early in the digest', () => {
    const held = fix('fewer', 0.125, [0.01, 0.9]);
    const notHeld = { ...fix('no_clear_change', 0.8, [0.3, 2.1]), root_cause_id: 2 };
    const early = { ...fix('too_early', null, null), root_cause_id: 3 };
    const d = digest(trends(), [held, notHeld, early], channels(), [alert, { ...alert, id: 4, acked_at: 5 } as Alert]);
    expect(d.fixesHeld).toEqual([held]);
    expect(d.fixesNotHeld).toEqual([notHeld]);
    expect(d.fixesTooEarly).toEqual([early]);
    expect(d.topCauses[0]).toEqual({ path: 'Shipping', count: 4, caseIds: [1, 2, 3, 4] });
    expect(d.newAlerts.map((a) => a.id)).toEqual([3]);
    expect(d.channels[0]).toMatchObject({ channel: 'bluesky', firstResponseP50: 30, publicShare: 0.5, privateShare: null });
  });

  it('writes the rate ratio with its interval, and says when there is nothing to compare', () => {
    expect(ratioText(fix('fewer', 0.125, [0.0123, 0.9]))).toBe('×0.13 (95%: 0.01–0.90)');
    expect(ratioText(fix('too_early', null, null))).toBe('no cases before the fix');
  });

  it('builds the origin → resolution matrix with the cases of each cell', () => {
    const m = matrix(channels());
    expect(m.origins).toEqual(['bluesky']);
    expect(m.resolvedOn).toEqual(['email']);
    expect(m.cell('bluesky', 'email').caseIds).toEqual([1, 2]);
    expect(m.cell('email', 'email').caseIds).toEqual([]);
  });

  it('names a private message on a public network as people say it', () => {
    expect(channelLabel('bluesky dm')).toBe('Bluesky DM');
    expect(channelLabel('mastodon dm')).toBe('Mastodon DM');
    expect(channelLabel('bluesky')).toBe('Bluesky');
    expect(channelLabel('email')).toBe('Email');
  });

  it('writes CSV that a spreadsheet reads safely', () => {
    expect(toCsv([['a', 'b,c', 'say "hi"', null, 3, '=SUM(A1)']])).toBe('a,"b,c","say ""hi""",,3,\'=SUM(A1)\r\n');
    const csv = trendsCsv(trends()).split('\r\n');
    expect(csv[0]).toBe('root_cause,period_start,period_end,channel,cases,case_ids');
    expect(csv).toContain('Shipping,2026-11-02,2026-11-08,bluesky,2,1 2');
  });
});

describe('reports screen', () => {
  function setup() {
    const backend = createMockBackend({
      rootCauses: [
        { id: 1, name: 'Shipping', parent_id: null, path: 'Shipping', status: 'fixed', fixed_at: 0, fix_note: null, archived: false, case_count: 4, open_case_count: 0, cases_before_fix: 8, cases_after_fix: 1 },
      ],
      handlers: {
        report_root_causes: () => trends(),
        report_channels: () => channels(),
        report_customers: () => customers(),
        report_fix: () => fix('fewer', 0.125, [0.01, 0.9]),
        alerts_list: () => ({ alerts: [alert], unacked: 1 }),
        alerts_ack: () => ({ ...alert, acked_at: 1 }),
      },
    });
    const ondrill = vi.fn();
    render(ReportsScreen, { backend, ondrill });
    return { backend, ondrill };
  }

  it('shows the digest: top causes, risers, the fix that held and the new alert', async () => {
    setup();
    const digestEl = await screen.findByTestId('digest');
    expect(within(digestEl).getAllByText('Shipping').length).toBeGreaterThan(0);
    // The fix reports are asked for once the root causes are known.
    await waitFor(() => expect(digestEl.textContent).toContain('Fewer cases since the fix'));
    expect(digestEl.textContent).toContain('courier, parcel');
    expect(digestEl.textContent).toContain('4 (was 1, +300%)');
  });

  it('opens exactly the cases behind a bar from the chart\'s data table', async () => {
    const { ondrill } = setup();
    await fireEvent.click(await screen.findByTestId('tab-causes'));
    const tables = await screen.findAllByTestId('chart-table');
    const first = within(tables[0]).getAllByTestId('drill')[0];
    await fireEvent.click(first);
    expect(ondrill).toHaveBeenCalledWith({ label: 'Cases per week by channel of origin: Bluesky, 2 Nov', caseIds: [1, 2] });
  });

  it('measures channels and opens the cases of a matrix cell', async () => {
    const { ondrill } = setup();
    await fireEvent.click(await screen.findByTestId('tab-channels'));
    const m = await screen.findByTestId('channel-matrix');
    await fireEvent.click(within(m).getByText('2'));
    expect(ondrill).toHaveBeenCalledWith({ label: 'Began on Bluesky, resolved on Email', caseIds: [1, 2] });
    expect(screen.getByTestId('reasons-bluesky').textContent).toContain('phone tree 2');
  });

  it('asks again for that channel only when a channel is ticked', async () => {
    const { backend } = setup();
    await screen.findByTestId('digest');
    const box = await screen.findByLabelText('Bluesky');
    await fireEvent.click(box);
    await waitFor(() => {
      const last = backend.calls.filter(([n]) => n === 'report_channels').at(-1)?.[1] as { channels: string[] };
      expect(last.channels).toEqual(['bluesky']);
    });
  });

  it('acknowledges an alert', async () => {
    const { backend } = setup();
    await fireEvent.click(await screen.findByTestId('tab-alerts'));
    await fireEvent.click(await screen.findByText('Acknowledge'));
    await waitFor(() => expect(backend.calls.some(([n, p]) => n === 'alerts_ack' && (p as { id: number }).id === 3)).toBe(true));
  });
});
