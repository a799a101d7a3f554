// What the Reports screen shows, computed from the report commands' results (crates/core/src/
// reports): chart series, data tables and the weekly digest. Pure functions, so every number the
// screen draws is tested without a browser; every figure keeps the case ids behind it, so a click
// on a bar or a table cell opens exactly those cases in the inbox.
import type { ResultOf } from '../backend/backend';
import { channelLabel } from '../format';

export { channelLabel };

export type Trends = ResultOf<'report_root_causes'>;
export type FixReport = ResultOf<'report_fix'>;
export type ChannelReport = ResultOf<'report_channels'>;
export type CustomerReport = ResultOf<'report_customers'>;
export type Alert = ResultOf<'alerts_list'>['alerts'][number];

/** A set of cases to open in the inbox, with what they are ("Shipping, week of 2 Nov"). */
export interface Drill {
  label: string;
  caseIds: number[];
}

/** One series of a bar chart: a value per category, each with its cases. */
export interface Series {
  name: string;
  values: number[];
  caseIds: number[][];
}

export interface BarData {
  categories: string[];
  series: Series[];
}

/** "2026-11-02" → "2 Nov" (week buckets name their first day). */
export function shortDate(isoDay: string): string {
  const [y, m, d] = isoDay.split('-').map(Number);
  if (!y || !m || !d) return isoDay;
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][m - 1];
  return `${d} ${month}`;
}

/**
 * Cases per period for every cause shown, stacked by channel of origin: one series per channel,
 * summed over the causes (or over the one cause given).
 */
export function trendsByChannel(t: Trends, causePath: string | null = null): BarData {
  const causes = causePath ? t.causes.filter((c) => c.path === causePath) : t.causes;
  const categories = t.periods.map((p) => shortDate(p.start));
  const series: Series[] = t.channels.map((channel) => {
    const values = t.periods.map(() => 0);
    const caseIds: number[][] = t.periods.map(() => []);
    for (const cause of causes) {
      cause.buckets.forEach((b, i) => {
        for (const c of b.by_channel) {
          if (c.channel !== channel) continue;
          values[i] += c.count;
          caseIds[i].push(...c.case_ids);
        }
      });
    }
    return { name: channelLabel(channel), values, caseIds: caseIds.map(unique) };
  });
  return { categories, series: series.filter((s) => s.values.some((v) => v > 0)) };
}

/** Cases per period, one series per root cause (the top `limit` causes by volume). */
export function trendsByCause(t: Trends, limit = 6): BarData {
  const categories = t.periods.map((p) => shortDate(p.start));
  const series = t.causes.slice(0, limit).map((c) => ({
    name: c.path,
    values: c.buckets.map((b) => b.count),
    caseIds: c.buckets.map((b) => b.case_ids),
  }));
  return { categories, series };
}

function unique(ids: number[]): number[] {
  return [...new Set(ids)].sort((a, b) => a - b);
}

/** Business minutes as "45 min", "3.5 h", "2.1 days" (8-hour business days). */
export function duration(minutes: number | null | undefined): string {
  if (minutes === null || minutes === undefined) return '—';
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 8 * 60) return `${(minutes / 60).toFixed(1).replace(/\.0$/, '')} h`;
  return `${(minutes / 480).toFixed(1).replace(/\.0$/, '')} business days`;
}

export function percent(share: number | null | undefined): string {
  return share === null || share === undefined ? '—' : `${Math.round(share * 100)}%`;
}

/** A rate ratio and its interval in words a shop owner reads: "×0.25 (0.08–0.71)". */
export function ratioText(r: FixReport): string {
  if (r.rate_ratio === null || r.rate_ratio === undefined) return 'no cases before the fix';
  const f = (v: number) => (v >= 1e6 ? '∞' : v.toFixed(2));
  const ci = r.ci95 ? ` (95%: ${f(r.ci95[0])}–${f(r.ci95[1])})` : '';
  return `×${f(r.rate_ratio)}${ci}`;
}

export const VERDICT_LABEL: Record<FixReport['verdict'], string> = {
  fewer: 'Fewer cases since the fix',
  no_clear_change: 'No clear change',
  more: 'More cases since the fix',
  too_early: 'Too early to say',
};

/** The channel → channel matrix as rows (origin) × columns (resolved on), each cell with its cases. */
export function matrix(r: ChannelReport): { origins: string[]; resolvedOn: string[]; cell: (o: string, d: string) => Drill } {
  const origins = unique0(r.matrix.map((m) => m.origin));
  const resolvedOn = unique0(r.matrix.map((m) => m.resolved_on));
  const byKey = new Map(r.matrix.map((m) => [`${m.origin}\u0000${m.resolved_on}`, m]));
  return {
    origins,
    resolvedOn,
    cell: (o, d) => {
      const m = byKey.get(`${o}\u0000${d}`);
      return { label: `Began on ${channelLabel(o)}, resolved on ${channelLabel(d)}`, caseIds: m?.case_ids ?? [] };
    },
  };
}

function unique0(values: string[]): string[] {
  return [...new Set(values)];
}

/** The weekly digest: the few lines an owner reads on Monday morning. */
export interface Digest {
  topCauses: { path: string; count: number; caseIds: number[] }[];
  risers: { path: string; current: number; previous: number; changePct: number | null }[];
  fixesHeld: FixReport[];
  fixesNotHeld: FixReport[];
  fixesTooEarly: FixReport[];
  channels: {
    channel: string;
    firstResponseP50: number | null;
    publicShare: number | null;
    privateShare: number | null;
    caseIds: number[];
  }[];
  newAlerts: Alert[];
}

export function digest(t: Trends, fixes: FixReport[], channels: ChannelReport, alerts: Alert[]): Digest {
  return {
    topCauses: t.causes.slice(0, 5).map((c) => ({ path: c.path, count: c.total.count, caseIds: c.total.case_ids })),
    risers: t.risers.map((r) => ({ path: r.path, current: r.current, previous: r.previous, changePct: r.change_pct ?? null })),
    fixesHeld: fixes.filter((f) => f.verdict === 'fewer'),
    fixesNotHeld: fixes.filter((f) => f.verdict === 'no_clear_change' || f.verdict === 'more'),
    fixesTooEarly: fixes.filter((f) => f.verdict === 'too_early'),
    channels: channels.channels.map((c) => ({
      channel: c.channel,
      firstResponseP50: c.first_response.p50_minutes ?? null,
      publicShare: c.within_target.public.share ?? null,
      privateShare: c.within_target.private.share ?? null,
      caseIds: c.identified.case_ids,
    })),
    newAlerts: alerts.filter((a) => a.acked_at === null || a.acked_at === undefined),
  };
}

/** RFC 4180 CSV: fields with commas, quotes or line breaks are quoted; quotes doubled. */
export function toCsv(rows: (string | number | null | undefined)[][]): string {
  const field = (v: string | number | null | undefined) => {
    const s = v === null || v === undefined ? '' : String(v);
    // A leading =, +, - or @ would run as a formula in a spreadsheet: keep it text.
    const safe = /^[=+\-@]/.test(s) && typeof v === 'string' ? `'${s}` : s;
    return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  return rows.map((r) => r.map(field).join(',')).join('\r\n') + '\r\n';
}

export function trendsCsv(t: Trends): string {
  const rows: (string | number)[][] = [['root_cause', 'period_start', 'period_end', 'channel', 'cases', 'case_ids']];
  for (const c of t.causes) {
    c.buckets.forEach((b, i) => {
      const p = t.periods[i];
      for (const ch of b.by_channel) {
        rows.push([c.path, p.start, p.end, ch.channel, ch.count, ch.case_ids.join(' ')]);
      }
    });
  }
  return toCsv(rows);
}

export function channelsCsv(r: ChannelReport): string {
  const rows: (string | number | null)[][] = [
    [
      'channel',
      'identified',
      'resolved_same_channel',
      'taken_offline',
      'first_response_p50_min',
      'first_response_p90_min',
      'resolution_p50_min',
      'resolution_p90_min',
      'public_within_target',
      'private_within_target',
      'repeat_rate',
    ],
  ];
  for (const c of r.channels) {
    rows.push([
      c.channel,
      c.identified.count,
      c.resolved_same_channel.count,
      c.taken_offline.count,
      c.first_response.p50_minutes ?? null,
      c.first_response.p90_minutes ?? null,
      c.resolution.p50_minutes ?? null,
      c.resolution.p90_minutes ?? null,
      c.within_target.public.share ?? null,
      c.within_target.private.share ?? null,
      c.repeat_rate ?? null,
    ]);
  }
  return toCsv(rows);
}

export function digestCsv(d: Digest): string {
  const rows: (string | number | null)[][] = [['section', 'subject', 'value', 'detail']];
  for (const c of d.topCauses) rows.push(['top cause', c.path, c.count, '']);
  for (const r of d.risers) rows.push(['riser', r.path, r.current, `previous ${r.previous}`]);
  for (const f of d.fixesHeld) rows.push(['fix held', f.root_cause, f.rate_ratio ?? null, f.verdict_text]);
  for (const f of d.fixesNotHeld) rows.push(['fix did not hold', f.root_cause, f.rate_ratio ?? null, f.verdict_text]);
  for (const f of d.fixesTooEarly) rows.push(['fix too early', f.root_cause, f.rate_ratio ?? null, f.verdict_text]);
  for (const c of d.channels)
    rows.push(['channel first response p50 (business min)', c.channel, c.firstResponseP50, `public within target ${percent(c.publicShare)}, private ${percent(c.privateShare)}`]);
  for (const a of d.newAlerts) rows.push(['new alert', a.subject, a.count, `expected ${a.expected.toFixed(1)}`]);
  return toCsv(rows);
}
