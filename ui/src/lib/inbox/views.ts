import type { CaseStatus } from '../backend/types';

/** The inbox filters; a saved view is a named set of them. */
export interface InboxFilter {
  status: CaseStatus | null;
  channel: string | null;
  root_cause: string | null;
  label: string | null;
  /** Only automated mail (newsletters, notifications, auto-replies), which the inbox otherwise leaves out. */
  automated: boolean;
}

export interface SavedView {
  name: string;
  filter: InboxFilter;
}

export const NO_FILTER: InboxFilter = { status: null, channel: null, root_cause: null, label: null, automated: false };

export const BUILTIN_VIEWS: readonly SavedView[] = [
  { name: 'All', filter: NO_FILTER },
  { name: 'New', filter: { ...NO_FILTER, status: 'new' } },
  { name: 'Open', filter: { ...NO_FILTER, status: 'open' } },
  { name: 'Waiting', filter: { ...NO_FILTER, status: 'waiting' } },
  { name: 'Snoozed', filter: { ...NO_FILTER, status: 'snoozed' } },
  { name: 'Resolved', filter: { ...NO_FILTER, status: 'resolved' } },
  { name: 'Automated', filter: { ...NO_FILTER, automated: true } },
];

export function sameFilter(a: InboxFilter, b: InboxFilter): boolean {
  return (
    a.status === b.status &&
    a.channel === b.channel &&
    a.root_cause === b.root_cause &&
    a.label === b.label &&
    a.automated === b.automated
  );
}

/** Where the user's own views live on this machine (per webview profile). */
export const VIEWS_STORAGE_KEY = 'switchboard.inbox.views';

function isFilter(v: unknown): v is InboxFilter {
  if (typeof v !== 'object' || v === null) return false;
  const f = v as Record<string, unknown>;
  return (
    ['status', 'channel', 'root_cause', 'label'].every((k) => f[k] === null || typeof f[k] === 'string') &&
    (f.automated === undefined || typeof f.automated === 'boolean')
  );
}

/** The user's saved views; anything unreadable in storage is skipped rather than breaking the inbox. */
export function loadViews(storage: Pick<Storage, 'getItem'> | undefined = globalThis.localStorage): SavedView[] {
  try {
    const raw = storage?.getItem(VIEWS_STORAGE_KEY);
    if (!raw) return [];
    const parsed: unknown = JSON.parse(raw);
    if (!Array.isArray(parsed)) return [];
    return parsed
      .filter((v): v is SavedView => typeof v?.name === 'string' && v.name.trim() !== '' && isFilter(v.filter))
      // Views saved before the automated filter existed show the inbox without automated mail.
      .map((v) => ({ name: v.name, filter: { ...v.filter, automated: v.filter.automated === true } }));
  } catch {
    return [];
  }
}

export function storeViews(views: SavedView[], storage: Pick<Storage, 'setItem'> | undefined = globalThis.localStorage): void {
  storage?.setItem(VIEWS_STORAGE_KEY, JSON.stringify(views));
}

/** Adds or replaces (by name) a view. */
export function upsertView(views: SavedView[], view: SavedView): SavedView[] {
  const name = view.name.trim();
  return [...views.filter((v) => v.name !== name), { name, filter: { ...view.filter } }];
}

/** A search snippet ("… [late] parcel …") split into plain and matched parts. */
export function snippetParts(snippet: string): { text: string; match: boolean }[] {
  const parts: { text: string; match: boolean }[] = [];
  const re = /\[([^\]]*)\]/g;
  let at = 0;
  for (let m = re.exec(snippet); m; m = re.exec(snippet)) {
    if (m.index > at) parts.push({ text: snippet.slice(at, m.index), match: false });
    parts.push({ text: m[1], match: true });
    at = m.index + m[0].length;
  }
  if (at < snippet.length) parts.push({ text: snippet.slice(at), match: false });
  return parts;
}
