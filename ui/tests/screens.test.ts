// Component tests of the root-cause, follow-up, protocol, template, settings and first-run
// screens against the mock backend with a handler per command.
import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';

import { createMockBackend, demoCase } from '../src/lib/backend/mock';
import RootCausesScreen from '../src/lib/rootcauses/RootCausesScreen.svelte';
import type { RootCause } from '../src/lib/rootcauses/types';
import FollowUpsScreen from '../src/lib/followups/FollowUpsScreen.svelte';
import type { FollowUp } from '../src/lib/followups/types';
import ProtocolScreen from '../src/lib/protocol/ProtocolScreen.svelte';
import type { ResponseSettings } from '../src/lib/protocol/types';
import { normalizeRule, type WireRule } from '../src/lib/protocol/rules';
import { defaultHours } from '../src/lib/protocol/hours';
import TemplatesScreen from '../src/lib/templates/TemplatesScreen.svelte';
import type { Template } from '../src/lib/templates/templates';
import SettingsScreen from '../src/lib/settings/SettingsScreen.svelte';
import type { Setting } from '../src/lib/settings/settings';
import FirstRunHost from './firstrun-host.svelte';
import DemoBanner from '../src/lib/firstrun/DemoBanner.svelte';

const HOUR = 3_600_000;
type Handlers = Record<string, (p: any) => unknown>;
/** Test doubles return only what the screen reads, so they are not checked against the full result types. */
const loose = (h: Handlers): Handlers => h;
const called = (b: { calls: [string, unknown][] }, name: string) => b.calls.filter(([n]) => n === name).map(([, p]) => p);

function cause(id: number, name: string, parent: RootCause | null, over: Partial<RootCause> = {}): RootCause {
  return {
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
  };
}

describe('root causes screen', () => {
  function setup() {
    const shipping = cause(1, 'Shipping', null, { case_count: 5, open_case_count: 2 });
    const late = cause(2, 'Late delivery', shipping, {
      case_count: 4,
      status: 'fixed',
      fixed_at: Date.UTC(2026, 0, 5),
      fix_note: 'new courier',
      cases_before_fix: 12,
      cases_after_fix: 1,
    });
    const billing = cause(3, 'Billing', null);
    const list = [shipping, late, billing];
    let required = false;
    const byPath = (p: string) => list.find((r) => r.path === p) ?? (() => { throw { code: 'not_found', message: `root cause ${p} not found` }; })();
    const handlers: Handlers = {
      root_cause_list: () => list,
      root_cause_set_status: (p: { root_cause: string; status: string; note: string | null }) => {
        Object.assign(byPath(p.root_cause), { status: p.status, fix_note: p.note, fixed_at: p.status === 'fixed' ? 1 : null });
        return {};
      },
      root_cause_rename: (p: { root_cause: string; new_name: string }) => {
        if (list.some((r) => r.name === p.new_name)) throw { code: 'conflict', message: `root cause ${JSON.stringify(p.new_name)} already exists` };
        return {};
      },
      root_cause_archive: (p: { root_cause: string }) => {
        byPath(p.root_cause).archived = true;
        return {};
      },
      root_cause_merge: () => ({}),
      root_cause_move: () => ({}),
      settings_get: () => ({ settings: [{ key: 'require_root_cause', kind: 'bool', description: '', value: String(required), is_set: true }] }),
      settings_set: (p: { key: string; value: string }) => {
        required = p.value === 'true';
        return { key: p.key, kind: 'bool', description: '', value: p.value, is_set: true };
      },
    };
    return createMockBackend({ handlers });
  }
  const rows = () => screen.queryAllByTestId('root-cause');

  it('shows the two-level taxonomy with counts, lifecycle, fix note and before/after the fix', async () => {
    render(RootCausesScreen, { backend: setup() });
    await waitFor(() => expect(rows()).toHaveLength(3));
    expect(rows().map((r) => r.dataset.path)).toEqual(['Billing', 'Shipping', 'Shipping › Late delivery']);
    const late = rows()[2];
    expect(late.classList.contains('child')).toBe(true);
    expect(within(late).getByTestId('cause-status').textContent).toContain('Fixed');
    expect(late.textContent).toContain('Fix: new courier');
    expect(within(late).getByTestId('fix-effect').textContent).toBe('12 before the fix → 1 after');
    expect(rows()[1].textContent).toContain('5 cases · 2 open');
  });

  it('sets the lifecycle with a note, archives, and shows a refused rename', async () => {
    const backend = setup();
    render(RootCausesScreen, { backend });
    await waitFor(() => expect(rows()).toHaveLength(3));
    const billing = () => rows().find((r) => r.dataset.path === 'Billing')!;
    await fireEvent.click(within(billing()).getByRole('button', { name: 'Status…' }));
    await fireEvent.change(within(billing()).getByLabelText('Status'), { target: { value: 'fixed' } });
    await fireEvent.input(within(billing()).getByLabelText('What was fixed'), { target: { value: 'card processor retried' } });
    await fireEvent.click(within(billing()).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(within(billing()).getByTestId('cause-status').textContent).toContain('Fixed'));
    expect(called(backend, 'root_cause_set_status')).toEqual([{ root_cause: 'Billing', status: 'fixed', note: 'card processor retried' }]);

    await fireEvent.click(await within(billing()).findByRole('button', { name: 'Rename…' }));
    await fireEvent.input(within(billing()).getByLabelText('New name'), { target: { value: 'Shipping' } });
    await fireEvent.click(within(billing()).getByRole('button', { name: 'Rename' }));
    expect((await screen.findByRole('alert')).textContent).toContain('already exists');

    await fireEvent.click(await within(billing()).findByRole('button', { name: 'Archive' }));
    await waitFor(() => expect(rows()).toHaveLength(2));
    expect(called(backend, 'root_cause_archive')).toEqual([{ root_cause: 'Billing', archived: true }]);
  });

  it('adds a cause under a parent and toggles "required to resolve"', async () => {
    const backend = setup();
    render(RootCausesScreen, { backend });
    const box = await screen.findByTestId('require-root-cause');
    expect((box as HTMLInputElement).checked).toBe(false);
    await fireEvent.click(box);
    await waitFor(() => expect(called(backend, 'settings_set')).toEqual([{ key: 'require_root_cause', value: 'true' }]));
    const form = screen.getByTestId('add-root-cause');
    await fireEvent.input(within(form).getByLabelText('New cause'), { target: { value: 'Lost parcel' } });
    await fireEvent.change(within(form).getByLabelText('under'), { target: { value: 'Shipping' } });
    await fireEvent.submit(form);
    await waitFor(() => expect(called(backend, 'root_cause_add')).toEqual([{ name: 'Lost parcel', parent: 'Shipping' }]));
  });
});

describe('follow-ups screen', () => {
  const now = Date.UTC(2026, 10, 23, 12);
  const fu = (id: number, due_at: number, over: Partial<FollowUp> = {}): FollowUp => ({
    id,
    case_id: 100 + id,
    case_subject: `Case ${id}`,
    case_status: 'open',
    due_at,
    note: `Call back ${id}`,
    done_at: null,
    notified_at: null,
    created_at: 0,
    state: 'upcoming',
    ...over,
  });

  it('lists overdue, due and upcoming; Done marks one done; Open case jumps to it', async () => {
    const list = [fu(1, now - 2 * HOUR), fu(2, now + 3 * HOUR), fu(3, now + 72 * HOUR), fu(4, now - 9 * HOUR, { done_at: now - HOUR })];
    const backend = createMockBackend({
      handlers: loose({
        followup_list: () => ({ now, follow_ups: list, overdue: 1, due: 1 }),
        followup_done: (p: { id: number }) => {
          list.find((f) => f.id === p.id)!.done_at = now;
          return {};
        },
      }),
    });
    const onopencase = vi.fn();
    render(FollowUpsScreen, { backend, onopencase, now: () => Date.now() });
    await waitFor(() => expect(screen.queryAllByTestId('follow-up')).toHaveLength(3));
    expect(screen.getByTestId('bucket-overdue').textContent).toContain('(1)');
    const items = screen.getAllByTestId('follow-up');
    expect(items[0].textContent).toContain('Call back 1');
    expect(items[0].textContent).toContain('2 h overdue');
    expect(items[1].textContent).toContain('in 3 h');
    expect(items[2].textContent).toContain('in 3 days');
    await fireEvent.click(within(items[1]).getByRole('button', { name: 'Open case' }));
    expect(onopencase).toHaveBeenCalledExactlyOnceWith(102);
    await fireEvent.click(within(items[0]).getByRole('button', { name: 'Done' }));
    await waitFor(() => expect(screen.queryAllByTestId('follow-up')).toHaveLength(2));
    expect(called(backend, 'followup_done')).toEqual([{ id: 1 }]);
    expect(called(backend, 'followup_list')[0]).toEqual({ due_only: false, include_done: true });
  });

  it('says what to do when nothing is due', async () => {
    const backend = createMockBackend({ handlers: { followup_list: () => ({ now, follow_ups: [], overdue: 0, due: 0 }) } });
    render(FollowUpsScreen, { backend, onopencase: () => {} });
    expect((await screen.findByTestId('follow-ups-empty')).textContent).toContain('add a follow-up');
  });
});

describe('protocol screen', () => {
  function setup() {
    let rules: WireRule[] = [
      { id: 1, name: 'Do not engage', enabled: true, conditions: { do_not_engage: true }, actions: { no_reply_needed: true, stop: true } },
      { id: 2, name: 'Public complaint', enabled: true, conditions: { visibility: 'public' }, actions: { priority: 'high', target: { minutes: 60, basis: 'calendar' } } },
      { id: 3, name: 'Email', enabled: false, conditions: { channels: ['email'] }, actions: { target: { minutes: 480, basis: 'business' } } },
    ];
    let settings: ResponseSettings = { hours: defaultHours(), repeat_window_days: 30, due_soon_minutes: 30 };
    const handlers: Handlers = {
      protocol_list: () => ({ rules }),
      protocol_save: (p: { rule: WireRule }) => {
        if (p.rule.id) rules = rules.map((r) => (r.id === p.rule.id ? p.rule : r));
        else rules = [...rules, { ...p.rule, id: 9 }];
        return { rule: p.rule, position: 1 };
      },
      protocol_move: (p: { rule_id: number; position: number }) => {
        const r = rules.find((x) => x.id === p.rule_id)!;
        rules = rules.filter((x) => x.id !== p.rule_id);
        rules.splice(p.position - 1, 0, r);
        return {};
      },
      protocol_delete: () => ({}),
      protocol_export: () => ({ text: '[[rule]]\nname = "x"\n', rules: 1 }),
      protocol_import: () => ({}),
      hours_get: () => settings,
      hours_set: (p: ResponseSettings) => {
        settings = p;
        return settings;
      },
      template_list: () => ({ templates: [], variables: [] }),
      root_cause_list: () => [],
    };
    return createMockBackend({ handlers });
  }
  const names = () => screen.queryAllByTestId('rule').map((r) => r.querySelector('strong')?.textContent);

  it('lists rules in order with a summary; reorders with buttons and with the keyboard', async () => {
    const backend = setup();
    render(ProtocolScreen, { backend });
    await waitFor(() => expect(names()).toEqual(['Do not engage', 'Public complaint', 'Email']));
    expect(screen.getAllByTestId('rule')[1].textContent).toContain('public → high priority, answer within 1 h');
    await fireEvent.click(within(screen.getAllByTestId('rule')[2]).getByRole('button', { name: 'Move up' }));
    await waitFor(() => expect(names()).toEqual(['Do not engage', 'Email', 'Public complaint']));
    expect(called(backend, 'protocol_move')).toEqual([{ rule_id: 3, position: 2 }]);
    const handle = screen.getAllByTestId('rule')[0].querySelector('button.handle') as HTMLElement;
    await fireEvent.keyDown(handle, { key: 'ArrowDown' });
    await waitFor(() => expect(names()).toEqual(['Email', 'Do not engage', 'Public complaint']));
    expect(called(backend, 'protocol_move')[1]).toEqual({ rule_id: 1, position: 2 });
  });

  it('enables a rule, and edits one through the form', async () => {
    const backend = setup();
    render(ProtocolScreen, { backend });
    await waitFor(() => expect(names()).toHaveLength(3));
    await fireEvent.click(within(screen.getAllByTestId('rule')[2]).getByLabelText('Enabled'));
    await waitFor(() => expect(called(backend, 'protocol_save')[0]).toMatchObject({ rule: { id: 3, enabled: true } }));

    await fireEvent.click(within(screen.getAllByTestId('rule')[1]).getByRole('button', { name: 'Edit' }));
    const editor = screen.getByTestId('rule-editor');
    await fireEvent.input(within(editor).getByLabelText(/mentions any of/), { target: { value: 'refund, broken' } });
    await fireEvent.change(within(editor).getByLabelText('priority'), { target: { value: 'urgent' } });
    await fireEvent.input(within(editor).getByLabelText('answer within (minutes)'), { target: { value: '30' } });
    await fireEvent.submit(editor);
    await waitFor(() => expect(screen.queryByTestId('rule-editor')).toBeNull());
    expect(called(backend, 'protocol_save')[1]).toEqual({
      rule: normalizeRule({
        id: 2,
        name: 'Public complaint',
        enabled: true,
        conditions: { visibility: 'public', keywords: ['refund', 'broken'] },
        actions: { priority: 'urgent', target: { minutes: 30, basis: 'calendar' } },
      }),
    });
  });

  it('refuses a bad target in the form without calling the backend', async () => {
    const backend = setup();
    render(ProtocolScreen, { backend });
    await fireEvent.click(await screen.findByRole('button', { name: 'New rule' }));
    const editor = screen.getByTestId('rule-editor');
    await fireEvent.input(within(editor).getByLabelText('Rule name'), { target: { value: 'VIP' } });
    await fireEvent.input(within(editor).getByLabelText('answer within (minutes)'), { target: { value: '-5' } });
    await fireEvent.submit(editor);
    expect(within(editor).getByRole('alert').textContent).toContain('whole number of minutes');
    expect(called(backend, 'protocol_save')).toEqual([]);
  });

  it('imports a rules file', async () => {
    const backend = setup();
    render(ProtocolScreen, { backend });
    const input = (await screen.findByTestId('protocol-import')) as HTMLInputElement;
    const file = new File(['[[rule]]\nname = "VIP"\n'], 'rules.toml', { type: 'text/plain' });
    await fireEvent.change(input, { target: { files: [file] } });
    await waitFor(() => expect(called(backend, 'protocol_import')).toEqual([{ text: '[[rule]]\nname = "VIP"\n', replace: false }]));
  });

  it('edits business hours and holidays', async () => {
    const backend = setup();
    render(ProtocolScreen, { backend });
    const editor = await screen.findByTestId('hours-editor');
    await waitFor(() => expect(within(editor).getByLabelText('Monday opens')).toBeTruthy());
    await fireEvent.click(within(editor.querySelector('tr[data-day="sat"]') as HTMLElement).getByRole('button', { name: 'Add hours' }));
    await fireEvent.input(within(editor).getByLabelText('Saturday closes'), { target: { value: '13:00' } });
    await fireEvent.input(within(editor).getByLabelText('New holiday'), { target: { value: '2026-12-25' } });
    await fireEvent.click(within(editor).getByRole('button', { name: 'Add holiday' }));
    await fireEvent.input(within(editor).getByLabelText(/Repeat contact/), { target: { value: '14' } });
    await fireEvent.click(within(editor).getByRole('button', { name: 'Save hours' }));
    await waitFor(() => expect(called(backend, 'hours_set')).toHaveLength(1));
    const saved = called(backend, 'hours_set')[0] as ResponseSettings;
    expect(saved.hours.week.sat).toEqual([{ open: '09:00', close: '13:00' }]);
    expect(saved.hours.holidays).toEqual(['2026-12-25']);
    expect(saved.repeat_window_days).toBe(14);
    expect(saved.due_soon_minutes).toBe(30);
    await within(editor).findByText(/Business hours saved/);

    await fireEvent.input(within(editor).getByLabelText('Monday closes'), { target: { value: '08:00' } });
    await fireEvent.click(within(editor).getByRole('button', { name: 'Save hours' }));
    expect(within(editor).getByRole('alert').textContent).toContain('Monday');
    expect(called(backend, 'hours_set')).toHaveLength(1);
  });
});

describe('templates screen', () => {
  function setup() {
    let templates: Template[] = [
      { id: 1, name: 'Sorry for the delay', variants: [{ variant: 'public', body: 'Sorry {first_name}! We DM you.' }, { variant: 'private', body: 'Dear {name}, about {case_ref}…' }], created_at: 0, updated_at: 0 },
    ];
    let nextId = 2;
    const handlers: Handlers = {
      template_list: () => ({ templates, variables: [{ name: 'first_name', description: 'first name' }, { name: 'name', description: 'full name' }, { name: 'case_ref', description: 'ref' }] }),
      template_save: (p: { name: string; variants: { variant: string; body: string }[] }) => {
        const t = { id: templates.find((x) => x.name === p.name)?.id ?? nextId++, name: p.name, variants: p.variants, created_at: 0, updated_at: 0 };
        templates = [...templates.filter((x) => x.name !== p.name), t];
        return t;
      },
      template_delete: (p: { name: string; variant?: string }) => {
        const t = templates.find((x) => x.name === p.name)!;
        if (p.variant) t.variants = t.variants.filter((v) => v.variant !== p.variant);
        else templates = templates.filter((x) => x !== t);
        return t;
      },
      template_render: (p: { case_id: number }) => {
        if (p.case_id === 404) throw { code: 'not_found', message: 'case 404 not found' };
        return { template: 'Sorry for the delay', variant: 'public', channel: 'bluesky', visibility: null, text: 'Sorry Maria! We DM you.' };
      },
    };
    return createMockBackend({ handlers });
  }

  it('edits variants, flags unknown variables before saving, inserts variables, and deletes removed variants', async () => {
    const backend = setup();
    render(TemplatesScreen, { backend });
    await fireEvent.click(await screen.findByTestId('template'));
    const editor = screen.getByTestId('template-editor');
    const body = within(editor).getByLabelText('Body of private') as HTMLTextAreaElement;
    await fireEvent.input(body, { target: { value: 'Dear {nmae}' } });
    expect(screen.getByTestId('template-problems').textContent).toContain('Unknown variable {nmae}');
    await fireEvent.submit(editor);
    expect(called(backend, 'template_save')).toEqual([]);

    await fireEvent.input(body, { target: { value: 'Dear ' } });
    body.setSelectionRange(5, 5);
    await fireEvent.click(body);
    await fireEvent.click(within(editor).getByRole('button', { name: '{first_name}' }));
    expect(body.value).toBe('Dear {first_name}');
    expect(within(editor).getAllByTestId('sample-preview')[1].textContent).toBe('Dear Maria');

    // Drop the public variant: saved first, then deleted.
    await fireEvent.click(within(editor).getAllByRole('button', { name: 'Remove' })[0]);
    await fireEvent.submit(editor);
    await waitFor(() => expect(called(backend, 'template_delete')).toEqual([{ name: 'Sorry for the delay', variant: 'public' }]));
    expect(called(backend, 'template_save')).toEqual([{ name: 'Sorry for the delay', variants: [{ variant: 'private', body: 'Dear {first_name}' }] }]);
  });

  it('previews with a real case and shows a refusal', async () => {
    const backend = setup();
    render(TemplatesScreen, { backend });
    await fireEvent.click(await screen.findByTestId('template'));
    await fireEvent.input(screen.getByLabelText('Case #'), { target: { value: '7' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Render' }));
    expect((await screen.findByTestId('rendered')).textContent).toBe('Sorry Maria! We DM you.');
    expect(called(backend, 'template_render')).toEqual([{ name: 'Sorry for the delay', case_id: 7, channel: null }]);
    await fireEvent.input(screen.getByLabelText('Case #'), { target: { value: '404' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Render' }));
    expect((await screen.findByRole('alert')).textContent).toContain('case 404 not found');
  });

  it('creates a template, renames one (new name saved before the old is deleted), and deletes after confirming', async () => {
    const backend = setup();
    render(TemplatesScreen, { backend });
    await fireEvent.click(await screen.findByRole('button', { name: 'New template' }));
    let editor = screen.getByTestId('template-editor');
    await fireEvent.input(within(editor).getByLabelText('Name'), { target: { value: 'Why this channel' } });
    await fireEvent.input(within(editor).getByLabelText('Body of default'), { target: { value: 'Hi {first_name}, why did you write here?' } });
    await fireEvent.submit(editor);
    await waitFor(() => expect(screen.getAllByTestId('template')).toHaveLength(2));
    expect(called(backend, 'template_save')[0]).toEqual({ name: 'Why this channel', variants: [{ variant: 'default', body: 'Hi {first_name}, why did you write here?' }] });

    await fireEvent.click(screen.getAllByTestId('template').find((t) => t.textContent?.includes('Sorry'))!);
    editor = screen.getByTestId('template-editor');
    await fireEvent.input(within(editor).getByLabelText('Name'), { target: { value: 'Delay' } });
    await fireEvent.submit(editor);
    await waitFor(() => expect(called(backend, 'template_delete')).toEqual([{ name: 'Sorry for the delay' }]));
    expect(called(backend, 'template_save')[1]).toMatchObject({ name: 'Delay' });

    await fireEvent.click(within(editor).getByRole('button', { name: 'Delete template…' }));
    expect(called(backend, 'template_delete')).toHaveLength(1);
    await fireEvent.click(within(editor).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(called(backend, 'template_delete')[1]).toEqual({ name: 'Delay' }));
    await waitFor(() => expect(screen.queryByTestId('template-editor')).toBeNull());
  });

  it('says what to do with no templates', async () => {
    render(TemplatesScreen, { backend: createMockBackend({ handlers: { template_list: () => ({ templates: [], variables: [] }) } }) });
    expect((await screen.findByTestId('templates-empty')).textContent).toContain('No templates yet');
  });
});

describe('settings screen', () => {
  it('switches and text settings save through settings_set', async () => {
    let settings: Setting[] = [
      { key: 'require_root_cause', kind: 'bool', description: 'a case cannot be resolved until it carries a root cause', value: 'false', is_set: false },
      { key: 'business_name', kind: 'text', description: 'for {business_name}', value: '', is_set: false },
    ];
    const backend = createMockBackend({
      handlers: loose({
        settings_get: () => ({ settings }),
        settings_set: (p: { key: string; value: string }) => {
          settings = settings.map((s) => (s.key === p.key ? { ...s, value: p.value, is_set: true } : s));
          return settings.find((s) => s.key === p.key);
        },
        workspace_status: () => ({ demo_active: false, accounts: 1, cases: 3 }),
      }),
    });
    render(SettingsScreen, { backend });
    await fireEvent.click(await screen.findByLabelText('A root cause is required to resolve a case'));
    await waitFor(() => expect(called(backend, 'settings_set')).toEqual([{ key: 'require_root_cause', value: 'true' }]));
    const name = document.querySelector('[data-setting="business_name"]') as HTMLElement;
    await fireEvent.input(within(name).getByRole('textbox'), { target: { value: 'Lamp Shop' } });
    await fireEvent.click(within(name).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(called(backend, 'settings_set')[1]).toEqual({ key: 'business_name', value: 'Lamp Shop' }));
    expect(screen.getByRole('button', { name: 'Open sample data' })).toBeTruthy();
  });
});

describe('first run and sample data', () => {
  function setup(status: { demo_active: boolean; accounts: number; cases: number }) {
    const s = { ...status };
    return createMockBackend({
      handlers: loose({
        workspace_status: () => s,
        demo_start: () => {
          Object.assign(s, { demo_active: true, cases: 12 });
          return s;
        },
        demo_remove: () => {
          Object.assign(s, { demo_active: false, cases: 0 });
          return s;
        },
      }),
    });
  }

  it('an empty workspace gets the welcome; "Connect" goes to accounts and the sample data opens the inbox', async () => {
    const backend = setup({ demo_active: false, accounts: 0, cases: 0 });
    const onconnect = vi.fn();
    render(FirstRunHost, { backend, onconnect });
    expect(screen.getByTestId('inbox-stand-in')).toBeTruthy(); // the inbox shows until the status is known
    await screen.findByTestId('first-run');
    await fireEvent.click(screen.getByTestId('connect-first'));
    expect(onconnect).toHaveBeenCalledOnce();
    await fireEvent.click(screen.getByTestId('try-demo'));
    await screen.findByTestId('inbox-stand-in');
    expect(called(backend, 'demo_start')).toHaveLength(1);
  });

  it('a workspace with cases goes straight to the inbox', async () => {
    const backend = setup({ demo_active: false, accounts: 0, cases: 2 });
    render(FirstRunHost, { backend, onconnect: () => {} });
    await waitFor(() => expect(called(backend, 'workspace_status')).toHaveLength(1));
    expect(screen.queryByTestId('first-run')).toBeNull();
    expect(screen.getByTestId('inbox-stand-in')).toBeTruthy();
  });

  it('the banner marks the sample data and removes it in one click', async () => {
    const backend = setup({ demo_active: true, accounts: 0, cases: 12 });
    render(DemoBanner, { backend });
    const banner = await screen.findByTestId('demo-banner');
    expect(banner.textContent).toContain('Sample data');
    await fireEvent.click(within(banner).getByRole('button', { name: 'Remove' }));
    await waitFor(() => expect(screen.queryByTestId('demo-banner')).toBeNull());
    expect(called(backend, 'demo_remove')).toHaveLength(1);
  });
});

describe('protocol screen: delete and export', () => {
  it('deletes a rule after a second press, and exports the rules as text', async () => {
    const rules: WireRule[] = [{ id: 5, name: 'Night', enabled: true, conditions: { business_hours: 'outside' }, actions: { target: { minutes: 600, basis: 'calendar' } } }];
    const backend = createMockBackend({
      handlers: loose({
        protocol_list: () => ({ rules }),
        protocol_delete: (p: { rule_id: number }) => ({ deleted: rules.splice(rules.findIndex((r) => r.id === p.rule_id), 1)[0] }),
        protocol_export: () => ({ text: '[[rule]]\nname = "Night"\n', rules: 1 }),
        hours_get: () => ({ hours: defaultHours(), repeat_window_days: 30, due_soon_minutes: 30 }),
        template_list: () => ({ templates: [], variables: [] }),
        root_cause_list: () => [],
      }),
    });
    render(ProtocolScreen, { backend });
    await screen.findByText('Night');
    expect(screen.getByTestId('rule').textContent).toContain('outside business hours → answer within 10 h');
    await fireEvent.click(screen.getByRole('button', { name: 'Export' }));
    expect(((await screen.findByLabelText('Exported rules')) as HTMLTextAreaElement).value).toBe('[[rule]]\nname = "Night"\n');
    await fireEvent.click(screen.getByRole('button', { name: 'Delete…' }));
    expect(called(backend, 'protocol_delete')).toEqual([]);
    await fireEvent.click(screen.getByRole('button', { name: 'Delete “Night”' }));
    await screen.findByTestId('protocol-empty');
    expect(called(backend, 'protocol_delete')).toEqual([{ rule_id: 5 }]);
  });
});

describe('protocol tester', () => {
  it('shows which rules fire on a case and why', async () => {
    const backend = createMockBackend({
      handlers: loose({
        protocol_test: (p: { case_id: number }) => {
          if (p.case_id === 9) throw { code: 'invalid_input', message: 'cannot test the protocol on case 9: it has no inbound message' };
          return {
            message_id: 31,
            evaluation: {
              fired: [{ rule_id: 2, name: 'Public complaint', reasons: ['public', "keyword 'refund'"], actions: { priority: 'high' } }],
              actions: { priority: 'high', target: { minutes: 60, basis: 'calendar' } },
              sources: [],
            },
          };
        },
      }),
    });
    const { default: Tester } = await import('../src/lib/protocol/ProtocolTester.svelte');
    render(Tester, { backend });
    const tester = screen.getByTestId('protocol-tester');
    await fireEvent.input(within(tester).getByLabelText('Case #'), { target: { value: '3' } });
    await fireEvent.submit(tester.querySelector('form')!);
    const result = await screen.findByTestId('tester-result');
    expect(result.textContent).toContain("Public complaint because public, keyword 'refund'");
    expect(tester.textContent).toContain('Result: high priority, answer within 1 h');
    expect(called(backend, 'protocol_test')).toEqual([{ case_id: 3, rules: null }]);
    await fireEvent.input(within(tester).getByLabelText('Case #'), { target: { value: '9' } });
    await fireEvent.submit(tester.querySelector('form')!);
    expect((await within(tester).findByRole('alert')).textContent).toContain('no inbound message');
  });
});

describe('workspace status without workspace_status', () => {
  it('counts connected accounts (not the import archive) and cases itself', async () => {
    const { workspaceStatus } = await import('../src/lib/firstrun/workspace');
    const archive = { id: 1, name: 'archive', kind: 'archive' };
    const empty = createMockBackend({ handlers: loose({ account_list: () => [archive] }) });
    expect(await workspaceStatus(empty)).toEqual({ demo_active: false, accounts: 0, cases: 0 });
    const used = createMockBackend({ cases: [demoCase(1), demoCase(2)], handlers: loose({ account_list: () => [archive, { id: 2, name: 'shop', kind: 'email' }] }) });
    expect(await workspaceStatus(used)).toEqual({ demo_active: false, accounts: 1, cases: 2 });
    const broken = createMockBackend({ handlers: loose({ workspace_status: () => { throw { code: 'storage', message: 'disk full' }; } }) });
    await expect(workspaceStatus(broken)).rejects.toMatchObject({ code: 'storage' });
  });
});
