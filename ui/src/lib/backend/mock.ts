// An in-memory Backend for tests and the browser preview (`npm run dev` outside Tauri).
// It follows the Rust behaviour where the UI can see it: list order, filters, errors with
// codes, and a store-changed event after every change. Commands it does not model are added by
// tests and screens through `handlers` (see createMockBackend).
import { withHelpers, type Backend, type CommandName, type ParamsOf, type ResultOf } from './backend';
import {
  CASE_STATUSES,
  type ApiError,
  type CaseDetail,
  type CaseStatus,
  type CaseSummary,
  type ChangeSet,
  type MessageView,
  type RootCause,
  type SearchHit,
} from './types';

const PATH_SEP = ' › ';

function fail(code: ApiError['code'], message: string): never {
  const err: ApiError = { code, message };
  throw err;
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

function isStatus(s: string): s is CaseStatus {
  return (CASE_STATUSES as readonly string[]).includes(s);
}

/** A fake command: gets the params, returns the result (or throws an ApiError). */
export type MockHandler<K extends CommandName = CommandName> = (params: ParamsOf<K>) => ResultOf<K> | Promise<ResultOf<K>>;

/**
 * Handlers by command name. Typed for the commands in the generated map; any other name is
 * accepted too, so a screen can be tested against a command before its Rust side lands.
 */
export type MockHandlers = { [K in CommandName]?: MockHandler<K> } & Record<string, (params: any) => unknown>;

export interface MockBackend extends Backend {
  /** The live data; tests may read or change it (call `notify` after changing it). */
  readonly cases: CaseDetail[];
  readonly rootCauses: RootCause[];
  /** Every call made, in order: [name, params]. */
  readonly calls: [string, unknown][];
  /** Publishes a change set to subscribers, as the store does after a commit. */
  notify(changes: ChangeSet): void;
}

export function createMockBackend(
  seed: {
    cases?: CaseDetail[];
    rootCauses?: RootCause[];
    now?: () => number;
    /** Extra or replacement commands; they win over the built-in ones. */
    handlers?: MockHandlers;
  } = {},
): MockBackend {
  const cases = clone(seed.cases ?? []);
  const rootCauses = clone(seed.rootCauses ?? []);
  const now = seed.now ?? (() => Date.now());
  const subscribers = new Set<(c: ChangeSet) => void>();
  const calls: [string, unknown][] = [];
  let nextId = 10_000;

  const find = (id: number): CaseDetail =>
    cases.find((c) => c.id === id) ?? fail('not_found', `case ${id} not found`);

  const findCause = (path: string): RootCause =>
    rootCauses.find((r) => r.path === path || (r.parent_id === null && r.name === path)) ??
    fail('not_found', `root cause ${JSON.stringify(path)} not found`);

  const summary = (c: CaseDetail): CaseSummary => {
    const { messages: _m, notes: _n, ...s } = c;
    return clone(s);
  };

  const notify = (changes: ChangeSet) => {
    // Asynchronous, like a Tauri event arriving after the command's reply.
    queueMicrotask(() => subscribers.forEach((h) => h(changes)));
  };

  const builtin: MockHandlers = {
    case_list: (p) => {
      if (p.status && !isStatus(p.status)) fail('invalid_input', `unknown status ${p.status}`);
      const rc = p.root_cause ? findCause(p.root_cause).path : null;
      const matching = cases
        .filter((c) => !p.status || c.status === p.status)
        .filter((c) => !rc || c.root_causes.some((r) => r === rc || r.startsWith(rc + PATH_SEP)))
        .filter((c) => !p.label || c.labels.includes(p.label))
        .filter((c) => !p.channel || c.channels.includes(p.channel))
        // Automated mail only when asked for, as the store does.
        .filter((c) => (p.automated === true) === !!c.automated)
        .sort((a, b) => (b.last_message_at ?? 0) - (a.last_message_at ?? 0) || b.id - a.id);
      const page = p.limit > 0 ? matching.slice(p.offset, p.offset + p.limit) : matching.slice(p.offset);
      return { cases: page.map(summary), total: matching.length };
    },

    case_show: (p) => clone(find(p.case_id)),

    case_set_automated: (p) => {
      const c = find(p.case_id);
      const from = c.automated ?? null;
      c.automated = p.automated ? (from ?? 'marked by you') : null;
      const changed = from !== c.automated;
      if (changed) notify({ case: [c.id] });
      return { case_id: c.id, changed, from, automated: c.automated };
    },

    case_search: (p) => {
      const q = p.query.trim().toLowerCase();
      if (!q) fail('invalid_input', 'empty search');
      const hits: SearchHit[] = [];
      for (const c of cases) {
        for (const m of c.messages) {
          const hay = `${m.subject ?? ''} ${m.text}`.toLowerCase();
          if (hay.includes(q)) {
            hits.push({
              kind: 'message',
              case_id: c.id,
              message_id: m.id,
              conversation_id: m.conversation_id,
              note_id: null,
              channel: m.channel,
              subject: m.subject,
              snippet: m.snippet,
              author: m.author?.name ?? m.author?.address ?? null,
              sent_at: m.sent_at,
              score: 0,
            });
          }
        }
      }
      if (p.order === 'newest') hits.sort((a, b) => b.sent_at - a.sent_at);
      return { query: p.query, hits: p.limit > 0 ? hits.slice(0, p.limit) : hits };
    },

    case_set_status: (p) => {
      const to = p.status;
      if (!isStatus(to)) fail('invalid_input', `unknown status ${p.status}`);
      const c = find(p.case_id);
      const from = c.status;
      c.status = to;
      c.snoozed_until = to === 'snoozed' ? (p.snooze_until ?? null) : null;
      const changed = from !== to;
      if (changed) notify({ case: [c.id] });
      return { case_id: c.id, from, to, changed };
    },

    case_add_note: (p) => {
      if (!p.text.trim()) fail('invalid_input', 'cannot add note: it is empty');
      const c = find(p.case_id);
      const note = { id: nextId++, body: p.text, author: 'user', created_at: now() };
      c.notes.push(note);
      notify({ case: [p.case_id], note: [note.id] });
      return clone(note);
    },

    case_tag_root_cause: (p) => {
      const c = find(p.case_id);
      const rc = findCause(p.root_cause);
      const added = !c.root_causes.includes(rc.path);
      if (added) {
        c.root_causes.push(rc.path);
        notify({ case: [p.case_id], root_cause: [rc.id] });
      }
      return { case_id: p.case_id, root_cause: rc.path, added };
    },

    root_cause_list: () => clone(rootCauses),

    root_cause_add: (p) => {
      const name = p.name;
      if (!name.trim()) fail('invalid_input', 'cannot add root cause: the name is empty');
      const parent = p.parent ? findCause(p.parent) : null;
      const path = parent ? `${parent.name}${PATH_SEP}${name}` : name;
      if (rootCauses.some((r) => r.path === path)) fail('conflict', `root cause ${JSON.stringify(path)} already exists`);
      const rc = rootCause(nextId++, name, parent);
      rootCauses.push(rc);
      notify({ root_cause: [rc.id] });
      return clone(rc);
    },
  };

  const handlers: MockHandlers = { ...builtin, ...(seed.handlers ?? {}) };

  const backend = withHelpers({
    cases,
    rootCauses,
    calls,
    notify,
    async call(name: string, params: unknown) {
      calls.push([name, clone(params)]);
      const h = handlers[name] as ((p: unknown) => unknown) | undefined;
      if (!h) fail('not_found', `cannot run command \`${name}\`: no such command`);
      // Results are copies, as they would be after crossing IPC.
      return clone(await h(clone(params ?? {})));
    },
    onStoreChanged: async (handler: (c: ChangeSet) => void) => {
      subscribers.add(handler);
      return () => {
        subscribers.delete(handler);
      };
    },
  } as MockBackend);
  return backend;
}

/** A root cause as the store returns a fresh one. */
export function rootCause(id: number, name: string, parent: RootCause | null): RootCause {
  return {
    id,
    name,
    parent_id: parent?.id ?? null,
    path: parent ? `${parent.name}${PATH_SEP}${name}` : name,
    status: 'open',
    fixed_at: null,
    fix_note: null,
    archived: false,
    case_count: 0,
    open_case_count: 0,
    cases_before_fix: 0,
    cases_after_fix: 0,
  };
}

// ---- Demo data for the browser preview and tests -------------------------------------------

const HOUR = 3_600_000;

function message(
  id: number,
  over: Partial<MessageView> & Pick<MessageView, 'text' | 'sent_at'>,
): MessageView {
  return {
    id,
    conversation_id: 1,
    channel: 'email',
    direction: 'inbound',
    visibility: 'private',
    external_id: `<m${id}@example.com>`,
    author: null,
    recipients: [],
    subject: null,
    unread: false,
    snippet: over.text.slice(0, 120),
    html: null,
    has_remote_content: false,
    attachments: [],
    ...over,
  };
}

export function demoCase(
  id: number,
  over: Partial<CaseDetail> & { status?: CaseStatus } = {},
): CaseDetail {
  const messages = over.messages ?? [
    message(id * 10, { text: `Message for case ${id}`, sent_at: over.last_message_at ?? id * HOUR }),
  ];
  const last = messages[messages.length - 1];
  return {
    id,
    status: 'new',
    priority: 'normal',
    subject: `Case ${id}`,
    snippet: last?.snippet ?? '',
    channels: [...new Set(messages.map((m) => m.channel))],
    contact: { id, name: `Customer ${id}`, address: `customer${id}@example.com` },
    root_causes: [],
    labels: [],
    message_count: messages.length,
    unread_count: messages.filter((m) => m.unread).length,
    last_message_at: last?.sent_at ?? null,
    created_at: messages[0]?.sent_at ?? 0,
    snoozed_until: null,
    response_due_at: null,
    repeat: false,
    no_reply_needed: false,
    channel_reason: null,
    automated: null,
    snooze_until_reply: false,
    contact_history: null,
    earlier_cases: [],
    notes: [],
    follow_ups: [],
    calls: [],
    ...over,
    messages,
  };
}

/** A small, realistic inbox for the browser preview. */
export function demoData(base = Date.now()): { cases: CaseDetail[]; rootCauses: RootCause[] } {
  const rc = rootCause;
  const shipping = rc(1, 'Shipping', null);
  const billing = rc(2, 'Billing', null);
  const rootCauses = [shipping, rc(3, 'Late delivery', shipping), billing, rc(4, 'Double charge', billing)];
  const who = (id: number, name: string, address: string) => ({ id, name, address });
  const maria = who(1, 'Maria Lopez', 'maria@example.com');
  const cases: CaseDetail[] = [
    demoCase(1, {
      subject: 'Where is my order #4411?',
      status: 'new',
      contact: maria,
      root_causes: ['Shipping › Late delivery'],
      messages: [
        message(11, {
          author: maria,
          subject: 'Where is my order #4411?',
          unread: true,
          sent_at: base - 2 * HOUR,
          text: 'Hi, I ordered a lamp two weeks ago and it still has not arrived. Can you check?',
          html: '<p>Hi,</p><p>I ordered a <b>lamp</b> two weeks ago and it still has not arrived. Can you check?</p><p>Maria</p>',
        }),
      ],
    }),
    demoCase(2, {
      subject: 'Charged twice for one subscription',
      status: 'open',
      contact: who(2, 'Sam Okafor', 'sam@example.org'),
      root_causes: ['Billing › Double charge'],
      messages: [
        message(21, {
          author: who(2, 'Sam Okafor', 'sam@example.org'),
          subject: 'Charged twice for one subscription',
          sent_at: base - 5 * HOUR,
          text: 'My card shows two charges of $12 this month.',
        }),
        message(22, {
          direction: 'outbound',
          author: who(99, 'Support', 'support@shop.example'),
          subject: 'Re: Charged twice for one subscription',
          sent_at: base - 4 * HOUR,
          text: 'Sorry about that, Sam. We are refunding the second charge today.',
        }),
      ],
    }),
    demoCase(3, {
      subject: 'Love the new colours!',
      status: 'resolved',
      contact: who(3, 'Priya N.', 'priya@example.net'),
      messages: [
        message(31, {
          author: who(3, 'Priya N.', 'priya@example.net'),
          subject: 'Love the new colours!',
          sent_at: base - 26 * HOUR,
          text: 'Just wanted to say the autumn range looks great.',
        }),
      ],
    }),
  ];
  return { cases, rootCauses };
}
