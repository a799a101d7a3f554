/** True when a key press belongs to a text field (so j/k/Enter must not act on the list). */
export function isTyping(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  if (!t || typeof t.closest !== 'function') return false;
  return !!t.closest('input, textarea, select, [contenteditable=""], [contenteditable="true"]');
}

/** A bare key (no Ctrl/Alt/Meta), so shortcuts never steal the system's. */
export function isPlainKey(e: KeyboardEvent): boolean {
  return !e.ctrlKey && !e.altKey && !e.metaKey;
}

/** What a shortcut does; the app and the command palette dispatch on these names. */
export type ActionName =
  | 'next'
  | 'previous'
  | 'open'
  | 'reply'
  | 'resolve'
  | 'tag'
  | 'snooze'
  | 'search'
  | 'help'
  | 'palette'
  | 'close';

export interface Shortcut {
  action: ActionName;
  /** As shown to the user. */
  keys: string[];
  label: string;
  /** Only meaningful with a case open. */
  needsCase?: boolean;
}

/**
 * Every keyboard shortcut, in the order the help overlay lists them. One table, so the help, the
 * palette and the key handling cannot disagree.
 */
export const SHORTCUTS: readonly Shortcut[] = [
  { action: 'next', keys: ['j', '↓'], label: 'Next case' },
  { action: 'previous', keys: ['k', '↑'], label: 'Previous case' },
  { action: 'open', keys: ['Enter'], label: 'Open the selected case' },
  { action: 'reply', keys: ['r'], label: 'Reply', needsCase: true },
  { action: 'resolve', keys: ['e'], label: 'Resolve', needsCase: true },
  { action: 'tag', keys: ['t'], label: 'Tag a root cause', needsCase: true },
  { action: 'snooze', keys: ['s'], label: 'Snooze', needsCase: true },
  { action: 'search', keys: ['/'], label: 'Search' },
  { action: 'help', keys: ['?'], label: 'Keyboard shortcuts' },
  { action: 'palette', keys: ['Ctrl K', '⌘ K'], label: 'Command palette' },
  { action: 'close', keys: ['Esc'], label: 'Close a dialog' },
];

/**
 * The app-level action a key press asks for, or null. j/k/Enter belong to the inbox list (it owns
 * the selection), so they are not handled here. Plain letters are ignored while typing; Ctrl/Cmd+K
 * and Escape work everywhere.
 */
export function appAction(e: KeyboardEvent): ActionName | null {
  if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'k') return 'palette';
  if (e.key === 'Escape') return 'close';
  if (isTyping(e) || !isPlainKey(e)) return null;
  switch (e.key) {
    case '/':
      return 'search';
    case '?':
      return 'help';
    case 'r':
      return 'reply';
    case 'e':
      return 'resolve';
    case 't':
      return 'tag';
    case 's':
      return 'snooze';
    default:
      return null;
  }
}
