/** One entry of the command palette. */
export interface PaletteCommand {
  id: string;
  label: string;
  /** Shortcut shown on the right, e.g. "e". */
  keys?: string;
  run: () => void;
}

/**
 * Subsequence match for the command palette: every query character must appear in order.
 * Scores favour matches at word starts and runs of adjacent characters, so "tr" ranks
 * "Tag root cause" above "Set priority". Returns null when the query does not match.
 */
export function fuzzyScore(query: string, text: string): number | null {
  const q = query.trim().toLowerCase();
  if (!q) return 0;
  const t = text.toLowerCase();
  let score = 0;
  let at = 0;
  let prev = -2;
  for (const ch of q) {
    if (ch === ' ') continue;
    const i = t.indexOf(ch, at);
    if (i < 0) return null;
    const wordStart = i === 0 || /[\s›#·\-_/]/.test(t[i - 1]);
    score += 1 + (wordStart ? 5 : 0) + (i === prev + 1 ? 3 : 0);
    prev = i;
    at = i + 1;
  }
  // Shorter texts win ties: the match covers more of them.
  return score - t.length / 100;
}

/** Items that match, best first; ties keep their original order. */
export function fuzzyFilter<T>(query: string, items: readonly T[], text: (item: T) => string): T[] {
  return items
    .map((item, index) => ({ item, index, score: fuzzyScore(query, text(item)) }))
    .filter((r): r is { item: T; index: number; score: number } => r.score !== null)
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .map((r) => r.item);
}
