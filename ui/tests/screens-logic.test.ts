// Pure logic of the workflow screens: routes, account forms, taxonomy tree, follow-up buckets,
// protocol rule forms, business hours, templates, first-run decision.
import { describe, expect, it } from 'vitest';

import { parseRoute, routeHash } from '../src/lib/nav/routes';
import {
  addErrorHint,
  applyPreset,
  blueskyParams,
  emptyImapForm,
  firstSync,
  imapParams,
  mastodonServer,
  streamLabel,
} from '../src/lib/accounts/logic';
import { presetById, presetForAddress } from '../src/lib/accounts/presets';
import type { AccountInfo } from '../src/lib/accounts/types';
import { causeTree, fixEffect, mergeTargets, moveTargets } from '../src/lib/rootcauses/tree';
import type { RootCause } from '../src/lib/rootcauses/types';
import { bucket, DUE_SOON_MS, relative } from '../src/lib/followups/buckets';
import type { FollowUp } from '../src/lib/followups/types';
import { formToRule, moved, normalizeRule, reorderKey, ruleToForm, summary } from '../src/lib/protocol/rules';
import { defaultHours, hoursProblem, normalizeHours, withHoliday } from '../src/lib/protocol/hours';
import { bodyProblems, insertVariable, nextVariant, renderSample, variantProblem } from '../src/lib/templates/templates';
import { isFirstRun } from '../src/lib/firstrun/workspace';

const HOUR = 3_600_000;

describe('routes', () => {
  it('reads screens and an opened case from the hash, anything else is the inbox', () => {
    expect(parseRoute('#/accounts')).toEqual({ screen: 'accounts', caseId: null });
    expect(parseRoute('#/inbox/42')).toEqual({ screen: 'inbox', caseId: 42 });
    expect(parseRoute('#/inbox/x')).toEqual({ screen: 'inbox', caseId: null });
    expect(parseRoute('#/nope')).toEqual({ screen: 'inbox', caseId: null });
    expect(parseRoute('')).toEqual({ screen: 'inbox', caseId: null });
  });
  it('writes hashes that read back to the same route', () => {
    for (const r of [{ screen: 'follow-ups' as const, caseId: null }, { screen: 'inbox' as const, caseId: 7 }]) {
      expect(parseRoute(routeHash(r))).toEqual(r);
    }
  });
});

describe('account forms', () => {
  it('a preset fills the servers and the username; the address picks the preset', () => {
    expect(presetForAddress('ann@Hotmail.com')?.id).toBe('microsoft');
    expect(presetForAddress('ann@shop.example')).toBeNull();
    const f = applyPreset({ ...emptyImapForm(), email: 'ann@icloud.com' }, presetById('icloud')!);
    expect([f.imap_host, f.imap_port, f.smtp_host, f.smtp_port, f.smtp_security]).toEqual([
      'imap.mail.me.com',
      '993',
      'smtp.mail.me.com',
      '587',
      'starttls',
    ]);
    expect(f.username).toBe('ann'); // iCloud logs in without @icloud.com
  });

  it('builds account_add_imap params, or names what is missing', () => {
    const base = applyPreset({ ...emptyImapForm(), email: 'help@shop.example', password: 'pw' }, presetById('fastmail')!);
    const ok = imapParams(base);
    expect(ok).toMatchObject({ ok: true, params: { name: 'help@shop.example', imap_port: 993, username: 'help@shop.example', password: 'pw' } });
    expect(imapParams({ ...base, email: 'nope' })).toMatchObject({ ok: false, error: expect.stringContaining('email address') });
    expect(imapParams({ ...base, password: '' })).toMatchObject({ ok: false, error: expect.stringContaining('password') });
    expect(imapParams({ ...base, imap_port: '99999' })).toMatchObject({ ok: false, error: expect.stringContaining('IMAP port') });
  });

  it('checks Bluesky handle, app password and service URL', () => {
    const good = { handle: '@shop.bsky.social', app_password: 'abcd-efgh-ijkl-mnop', service: '' };
    expect(blueskyParams(good)).toEqual({
      ok: true,
      params: { handle: 'shop.bsky.social', app_password: 'abcd-efgh-ijkl-mnop', name: null, service: null, plc_url: null, resolver: null },
    });
    expect(blueskyParams({ ...good, app_password: 'my real password' })).toMatchObject({ ok: false, error: expect.stringContaining('app password') });
    expect(blueskyParams({ ...good, handle: 'shop' })).toMatchObject({ ok: false });
    expect(blueskyParams({ ...good, service: 'ftp://x' })).toMatchObject({ ok: false, error: expect.stringContaining('https://') });
  });

  it('normalizes a Mastodon server', () => {
    expect(mastodonServer('mastodon.social')).toEqual({ ok: true, params: 'https://mastodon.social' });
    expect(mastodonServer('@shop@fosstodon.org')).toEqual({ ok: true, params: 'https://fosstodon.org' });
    expect(mastodonServer('http://localhost:3000/')).toEqual({ ok: true, params: 'http://localhost:3000' });
    expect(mastodonServer('not a server')).toMatchObject({ ok: false });
    expect(mastodonServer('')).toMatchObject({ ok: false });
  });

  it('explains add failures by code', () => {
    expect(addErrorHint('auth')).toContain('app password');
    expect(addErrorHint('unavailable')).toContain('could not be reached');
    expect(addErrorHint('conflict')).toContain('already exists');
  });

  const account = (over: Partial<AccountInfo['health']>): AccountInfo => ({
    id: 1,
    name: 'shop',
    kind: 'email',
    address: 'help@shop.example',
    enabled: true,
    server: 'imap.shop.example:993',
    removable: true,
    health: { status: 'syncing', messages: 120, quarantined: 0, last_success_at: null, last_error: null, error_class: null, streams: [], ...over },
  });

  it('shows first-sync progress only until the first success', () => {
    const stream = { stream: 'imap:INBOX', last_success_at: null, last_attempt_at: 1, last_error: null, error_class: null, backoff_until: null, activity: 'fetching 500 of 2000', activity_at: 1, messages: 120, quarantined: 0, cursor: null };
    expect(firstSync(account({ streams: [stream] }))).toEqual({ active: true, text: 'INBOX: fetching 500 of 2000 — 120 messages so far' });
    expect(firstSync(account({ streams: [stream], last_success_at: 5 })).active).toBe(false);
    expect(firstSync(account({ status: 'error' })).active).toBe(false);
    expect(streamLabel('account')).toBe('Account');
  });
});

const rc = (id: number, name: string, parent: RootCause | null, over: Partial<RootCause> = {}): RootCause => ({
  id,
  name,
  parent_id: parent?.id ?? null,
  path: parent ? `${parent.name} › ${name}` : name,
  status: 'open',
  fixed_at: null,
  fix_note: null,
  archived: false,
  case_count: 0,
  open_case_count: 0,
  cases_before_fix: null,
  cases_after_fix: null,
  ...over,
});

describe('root-cause tree', () => {
  const shipping = rc(1, 'Shipping', null);
  const billing = rc(2, 'Billing', null);
  const late = rc(3, 'Late delivery', shipping);
  const lost = rc(4, 'Lost', shipping, { archived: true });
  const all = [shipping, late, billing, lost];

  it('groups children under their parent, by name, without archived ones unless asked', () => {
    expect(causeTree(all).map((g) => [g.cause.name, g.children.map((c) => c.name)])).toEqual([
      ['Billing', []],
      ['Shipping', ['Late delivery']],
    ]);
    expect(causeTree(all, true)[1].children.map((c) => c.name)).toEqual(['Late delivery', 'Lost']);
  });

  it('keeps two levels: a parent with children cannot move under another', () => {
    expect(moveTargets(all, shipping)).toEqual([]);
    expect(moveTargets(all, late).map((r) => r.name)).toEqual(['Billing']);
    expect(moveTargets(all, billing).map((r) => r.name)).toEqual(['Shipping']);
    expect(mergeTargets(all, shipping).map((r) => r.path)).toEqual(['Billing']);
  });

  it('shows before/after counts only for fixed causes', () => {
    expect(fixEffect(rc(5, 'X', null, { status: 'fixed', cases_before_fix: 12, cases_after_fix: 2 }))).toBe('12 before the fix → 2 after');
    expect(fixEffect(rc(5, 'X', null, { status: 'fixing', cases_before_fix: 12, cases_after_fix: 2 }))).toBeNull();
  });
});

describe('follow-up buckets', () => {
  const fu = (id: number, due_at: number, done_at: number | null = null): FollowUp => ({
    id,
    case_id: id,
    case_subject: null,
    case_status: 'open',
    due_at,
    note: `n${id}`,
    done_at,
    notified_at: null,
    created_at: 0,
    state: done_at === null ? 'upcoming' : 'done',
  });
  const now = 100 * HOUR;

  it('splits as core::followup::classify does: due_at ≤ now overdue, within a day due, then upcoming', () => {
    const b = bucket([fu(1, now + DUE_SOON_MS + 1), fu(2, now), fu(3, now + 1), fu(4, now - HOUR), fu(5, now + DUE_SOON_MS), fu(6, now - 1, now)], now);
    expect(b.overdue.map((f) => f.id)).toEqual([4, 2]);
    expect(b.due.map((f) => f.id)).toEqual([3, 5]);
    expect(b.upcoming.map((f) => f.id)).toEqual([1]);
    expect(b.done.map((f) => f.id)).toEqual([6]);
  });

  it('says how far away a due time is', () => {
    expect(relative(now - 3 * HOUR, now)).toBe('3 h overdue');
    expect(relative(now + 49 * HOUR, now)).toBe('in 2 days');
    expect(relative(now + 24 * HOUR, now)).toBe('in 1 day');
    expect(relative(now + 5 * 60_000, now)).toBe('in 5 min');
  });
});

describe('protocol rules', () => {
  it('a rule survives the form round trip', () => {
    const rule = {
      id: 4,
      name: 'Public complaint',
      enabled: true,
      conditions: { channels: ['bluesky', 'mastodon'], visibility: 'public' as const, keywords: ['refund', 'disappoint*'], do_not_engage: false, business_hours: 'outside' as const, repeat_contact: true },
      actions: { priority: 'high' as const, target: { minutes: 60, basis: 'calendar' as const }, template: 'Sorry', channel: 'email', owner: 'sam', no_reply_needed: true, stop: true },
    };
    expect(formToRule(ruleToForm(rule), rule.id)).toEqual({ ok: true, rule: normalizeRule(rule) });
    // A rule file may leave out enabled, conditions and actions.
    expect(normalizeRule({ name: 'y', conditions: { vip: true } })).toEqual({ name: 'y', enabled: true, conditions: { vip: true }, actions: {} });
  });

  it('only set fields are sent, and bad input is named', () => {
    const f = ruleToForm({ name: 'x', enabled: false, conditions: {}, actions: {} });
    expect(formToRule(f, null)).toEqual({ ok: true, rule: { name: 'x', enabled: false, conditions: {}, actions: {} } });
    expect(formToRule({ ...f, name: ' ' }, null)).toMatchObject({ ok: false, error: expect.stringContaining('name') });
    expect(formToRule({ ...f, target_minutes: '0' }, null)).toMatchObject({ ok: false, error: expect.stringContaining('target') });
    expect(formToRule({ ...f, keywords: 'a, *' }, null)).toMatchObject({ ok: false, error: expect.stringContaining('keyword') });
    expect(formToRule({ ...f, channels: ' Email , BLUESKY' }, null)).toMatchObject({ ok: true, rule: { conditions: { channels: ['email', 'bluesky'] } } });
  });

  it('reorders with buttons and keys', () => {
    expect(moved(['a', 'b', 'c'], 2, -1)).toEqual(['a', 'c', 'b']);
    expect(moved(['a', 'b', 'c'], 0, 1)).toEqual(['b', 'a', 'c']);
    const same = ['a', 'b'];
    expect(moved(same, 0, -1)).toBe(same);
    expect(reorderKey({ key: 'ArrowUp', altKey: true, ctrlKey: false })).toBe(-1);
    expect(reorderKey({ key: 'ArrowDown', altKey: false, ctrlKey: false })).toBe(0);
    expect(reorderKey({ key: 'ArrowDown', altKey: false, ctrlKey: false }, true)).toBe(1);
  });

  it('summarizes a rule in words', () => {
    expect(summary({ name: 'x', enabled: true, conditions: { channels: ['bluesky'], visibility: 'public' }, actions: { priority: 'high', target: { minutes: 90, basis: 'business' } } })).toEqual({
      when: 'bluesky, public',
      then: 'high priority, answer within 1 h 30 min of business time',
    });
    expect(summary({ name: 'x', enabled: true, conditions: {}, actions: {} })).toEqual({ when: 'every inbound message', then: 'nothing' });
  });
});

describe('business hours', () => {
  it('finds problems before saving, naming the day', () => {
    const h = defaultHours();
    expect(hoursProblem(h)).toBeNull();
    expect(hoursProblem({ ...h, week: { ...h.week, mon: [{ open: '17:00', close: '09:00' }] } })).toContain('Monday');
    expect(hoursProblem({ ...h, week: { ...h.week, tue: [{ open: '9am', close: '17:00' }] } })).toContain('Tuesday');
    expect(hoursProblem({ ...h, week: { ...h.week, wed: [{ open: '09:00', close: '13:00' }, { open: '12:00', close: '17:00' }] } })).toContain('overlap');
    expect(hoursProblem({ ...h, week: { ...h.week, sat: [{ open: '10:00', close: '24:00' }] } })).toBeNull();
    expect(hoursProblem({ ...h, time_zone: '' })).toContain('time zone');
  });
  it('keeps holidays sorted and unique; fills missing days as closed', () => {
    const h = withHoliday(withHoliday(withHoliday(defaultHours(), '2026-12-25'), '2026-01-01'), '2026-12-25');
    expect(h.holidays).toEqual(['2026-01-01', '2026-12-25']);
    expect(normalizeHours({ time_zone: 'Europe/Berlin', week: { mon: [{ open: '08:00', close: '12:00' }] } as never }).week.tue).toEqual([]);
  });
});

describe('templates', () => {
  it('names unknown variables and stray braces like the backend', () => {
    expect(bodyProblems('Hi {first_name}, about {case_ref}: {{literal}}')).toEqual([]);
    expect(bodyProblems('Hi {frist_name}')).toEqual(['Unknown variable {frist_name}.']);
    expect(bodyProblems('Hi {first_name')[0]).toContain('not closed');
    expect(bodyProblems('Hi }')[0]).toContain('has no');
    expect(bodyProblems('  ')).toEqual(['The body is empty.']);
    expect(variantProblem('Bluesky')).toContain('not a variant');
    expect(variantProblem('bluesky')).toBeNull();
  });
  it('inserts variables at the cursor and renders a sample', () => {
    expect(insertVariable('Hi !', 3, 'first_name')).toEqual({ body: 'Hi {first_name}!', cursor: 15 });
    expect(renderSample('Hi {first_name}, {{x}} {nope}')).toBe('Hi Maria, {x} {nope}');
    expect(nextVariant(['default'])).toBe('public');
    expect(nextVariant(['default', 'public', 'private'])).toBe('email');
  });
});

describe('first run', () => {
  it('shows only for an empty workspace that is not the demo', () => {
    expect(isFirstRun({ demo_active: false, accounts: 0, cases: 0 })).toBe(true);
    expect(isFirstRun({ demo_active: true, accounts: 0, cases: 0 })).toBe(false);
    expect(isFirstRun({ demo_active: false, accounts: 1, cases: 0 })).toBe(false);
    expect(isFirstRun({ demo_active: false, accounts: 0, cases: 3 })).toBe(false);
    expect(isFirstRun(null)).toBe(false);
  });
});
