// A hash router: the screen lives in `location.hash` (`#/accounts`), so reloads and the
// WebDriver tests land on the same screen, and no server-side routing is needed (the desktop
// app serves ui/dist from disk).

export const SCREENS = [
  { id: 'inbox', label: 'Inbox' },
  { id: 'reports', label: 'Reports' },
  { id: 'follow-ups', label: 'Follow-ups' },
  { id: 'root-causes', label: 'Root causes' },
  { id: 'protocol', label: 'Protocol' },
  { id: 'templates', label: 'Templates' },
  { id: 'accounts', label: 'Accounts' },
  { id: 'settings', label: 'Settings' },
] as const;

export type Screen = (typeof SCREENS)[number]['id'];

export interface Route {
  screen: Screen;
  /** `#/inbox/12` opens case 12. */
  caseId: number | null;
}

const IDS = new Set<string>(SCREENS.map((s) => s.id));

/** Reads a route from a hash such as `#/follow-ups` or `#/inbox/42`; anything else is the inbox. */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  const screen = (IDS.has(parts[0] ?? '') ? parts[0] : 'inbox') as Screen;
  const id = screen === 'inbox' && parts[1] ? Number(parts[1]) : NaN;
  return { screen, caseId: Number.isSafeInteger(id) && id > 0 ? id : null };
}

export function routeHash(r: Partial<Route> & { screen: Screen }): string {
  return r.screen === 'inbox' && r.caseId ? `#/inbox/${r.caseId}` : `#/${r.screen}`;
}
