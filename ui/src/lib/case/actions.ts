import type { ActionName } from '../keys';

/**
 * A request from the keyboard or the palette to act on the open case. `seq` grows with every
 * request so pressing the same key twice is two requests.
 */
export interface CaseAction {
  name: Extract<ActionName, 'reply' | 'resolve' | 'tag' | 'snooze'> | 'offline' | 'log_call' | 'follow_up' | 'undo';
  seq: number;
}
