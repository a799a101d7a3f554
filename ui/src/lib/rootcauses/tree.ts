import type { RootCause } from './types';

export interface CauseGroup {
  cause: RootCause;
  children: RootCause[];
}

const byName = (a: RootCause, b: RootCause) => a.name.localeCompare(b.name);

/**
 * The two-level taxonomy as groups: each top-level cause with its children, both by name.
 * Archived causes are left out unless asked for (they stay on the cases that carry them).
 */
export function causeTree(all: RootCause[], showArchived = false): CauseGroup[] {
  const shown = all.filter((r) => showArchived || !r.archived);
  const tops = shown.filter((r) => r.parent_id === null).sort(byName);
  return tops.map((cause) => ({
    cause,
    children: shown.filter((r) => r.parent_id === cause.id).sort(byName),
  }));
}

/** Where a cause may be moved: top level, or under another top-level cause that is not itself. */
export function moveTargets(all: RootCause[], cause: RootCause): RootCause[] {
  const hasChildren = all.some((r) => r.parent_id === cause.id && !r.archived);
  // Two levels only: a cause with children cannot go under another.
  if (hasChildren) return [];
  return all.filter((r) => r.parent_id === null && !r.archived && r.id !== cause.id && r.id !== cause.parent_id).sort(byName);
}

/** Causes another may be merged into: any live cause other than itself and its own children. */
export function mergeTargets(all: RootCause[], cause: RootCause): RootCause[] {
  return all
    .filter((r) => !r.archived && r.id !== cause.id && r.parent_id !== cause.id)
    .sort((a, b) => a.path.localeCompare(b.path));
}

export const STATUS_LABEL: Record<string, string> = {
  open: 'Open',
  fixing: 'Fix in progress',
  fixed: 'Fixed',
};

/** "12 before the fix → 2 after", or null when the cause is not fixed or the counts are unknown. */
export function fixEffect(r: RootCause): string | null {
  if (r.status !== 'fixed' || r.cases_before_fix == null || r.cases_after_fix == null) return null;
  return `${r.cases_before_fix} before the fix → ${r.cases_after_fix} after`;
}
