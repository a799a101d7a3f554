// What the first-run screen and the sample-data banner need to know about the open workspace
// (workspace_status), and the decision of when the first-run screen shows.
import type { WorkspaceStatus as Status } from '../backend/generated/types';
import { call, errorCode, type Caller } from '../nav/rpc';

export type WorkspaceStatus = Pick<Status, 'demo_active' | 'accounts' | 'cases'>;

/**
 * Reads workspace_status. A backend without that command (an older server) is asked for the
 * counts directly, so the first-run screen works either way; the demo then counts as not active.
 */
export async function workspaceStatus(backend: Caller): Promise<WorkspaceStatus> {
  try {
    const s = await call(backend, 'workspace_status', {});
    return { demo_active: s.demo_active, accounts: s.accounts, cases: s.cases };
  } catch (e) {
    if (errorCode(e) !== 'not_found') throw e;
    const [accounts, cases] = await Promise.all([
      call(backend, 'account_list', {}),
      call(backend, 'case_list', { limit: 1, offset: 0 }),
    ]);
    return { demo_active: false, accounts: accounts.filter((a) => a.kind !== 'archive').length, cases: cases.total };
  }
}

/** The first-run screen shows in a workspace with nothing in it yet (and never over the demo). */
export function isFirstRun(s: WorkspaceStatus | null): boolean {
  return s !== null && !s.demo_active && s.accounts === 0 && s.cases === 0;
}
