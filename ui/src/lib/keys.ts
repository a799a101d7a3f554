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
