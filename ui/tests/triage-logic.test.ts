import { describe, expect, it } from 'vitest';

import { blockRemoteImages, emailSrcdoc, EMAIL_CSP, EMAIL_CSP_REMOTE_IMAGES } from '../src/lib/case/email';
import { countGraphemes, countLength, defaultLimits, limitsFrom } from '../src/lib/composer/length';
import { outboxCounts } from '../src/lib/composer/outbox';
import type { OutboxEntry } from '../src/lib/backend/types';
import { countdown, durationLabel, fromLocalInput, plural, toLocalInput } from '../src/lib/format';
import { snippetParts, loadViews, storeViews, upsertView, NO_FILTER, VIEWS_STORAGE_KEY } from '../src/lib/inbox/views';
import { appAction, SHORTCUTS } from '../src/lib/keys';
import { fuzzyFilter, fuzzyScore } from '../src/lib/palette/fuzzy';

const key = (key: string, over: Partial<KeyboardEventInit> = {}, target?: HTMLElement) => {
  const e = new KeyboardEvent('keydown', { key, ...over });
  if (target) Object.defineProperty(e, 'target', { value: target });
  return e;
};

describe('keyboard', () => {
  it('maps the documented keys to actions', () => {
    expect(appAction(key('r'))).toBe('reply');
    expect(appAction(key('e'))).toBe('resolve');
    expect(appAction(key('t'))).toBe('tag');
    expect(appAction(key('s'))).toBe('snooze');
    expect(appAction(key('/'))).toBe('search');
    expect(appAction(key('?', { shiftKey: true }))).toBe('help');
    expect(appAction(key('k', { ctrlKey: true }))).toBe('palette');
    expect(appAction(key('K', { metaKey: true }))).toBe('palette');
    expect(appAction(key('Escape'))).toBe('close');
  });

  it('leaves letters alone while typing and with modifiers, but Ctrl+K still opens the palette', () => {
    const input = document.createElement('input');
    document.body.append(input);
    expect(appAction(key('r', {}, input))).toBeNull();
    expect(appAction(key('e', { ctrlKey: true }))).toBeNull(); // the system's, not ours
    expect(appAction(key('k', { ctrlKey: true }, input))).toBe('palette');
    input.remove();
  });

  it('documents every action it handles in the shortcut table', () => {
    const documented = new Set(SHORTCUTS.map((s) => s.action));
    for (const a of ['reply', 'resolve', 'tag', 'snooze', 'search', 'help', 'palette', 'next', 'previous', 'open'] as const) {
      expect(documented.has(a)).toBe(true);
    }
  });
});

describe('fuzzy matching', () => {
  it('matches subsequences and rejects the rest', () => {
    expect(fuzzyScore('trc', 'Tag root cause')).not.toBeNull();
    expect(fuzzyScore('xyz', 'Tag root cause')).toBeNull();
    expect(fuzzyScore('', 'anything')).toBe(0);
  });

  it('ranks word-start matches first', () => {
    const items = ['Set priority', 'Tag root cause', 'Go to Root causes'];
    expect(fuzzyFilter('tr', items, (s) => s)[0]).toBe('Tag root cause');
    expect(fuzzyFilter('snoo', ['Reply', 'Snooze', 'Resolve'], (s) => s)).toEqual(['Snooze']);
  });
});

describe('response clock', () => {
  const now = 1_000_000_000;
  it('counts down in minutes, hours and days', () => {
    expect(countdown(now + 12 * 60_000, now)).toEqual({ text: '12m', breached: false, soon: true });
    expect(countdown(now + (3 * 60 + 5) * 60_000, now)).toEqual({ text: '3h 05m', breached: false, soon: false });
    expect(countdown(now + (2 * 24 + 4) * 3_600_000, now).text).toBe('2d 4h');
  });

  it('turns negative and breached once the target passes', () => {
    expect(countdown(now - 90 * 60_000, now)).toEqual({ text: '-1h 30m', breached: true, soon: false });
  });

  it('formats call durations and round-trips datetime-local values', () => {
    expect(durationLabel(45)).toBe('45s');
    expect(durationLabel(12 * 60)).toBe('12 min');
    expect(durationLabel(65 * 60)).toBe('1 h 05 min');
    const at = new Date(2026, 10, 23, 14, 5).getTime();
    expect(fromLocalInput(toLocalInput(at))).toBe(at);
    expect(fromLocalInput('')).toBeNull();
  });
});

describe('reply length', () => {
  it('counts graphemes the way Bluesky does: an emoji with a skin tone or a family is one', () => {
    expect(countGraphemes('👍🏽')).toBe(1);
    expect(countGraphemes('👨‍👩‍👧')).toBe(1);
    expect(countGraphemes('e\u0301')).toBe(1); // e + combining accent
    expect(countLength('👍🏽', 'chars')).toBe(2); // code points
    expect(countLength('e\u0301', 'chars')).toBe(2);
    expect(countLength('e\u0301', 'bytes')).toBe(3);
  });

  it('reads the backend limits per visibility', () => {
    expect(limitsFrom([{ visibility: 'public', unit: 'graphemes', max: 300 }, { visibility: 'private', unit: 'graphemes', max: 1000 }])).toEqual({
      public_allowed: true,
      private_allowed: true,
      public_limit: 300,
      private_limit: 1000,
      unit: 'graphemes',
    });
    expect(limitsFrom([{ visibility: 'private', unit: 'unlimited', max: null }])).toEqual({
      public_allowed: false,
      private_allowed: true,
      public_limit: null,
      private_limit: null,
      unit: 'chars',
    });
    expect(limitsFrom([])).toBeNull();
  });

  it('knows the public limits when the backend cannot say', () => {
    expect(defaultLimits('bluesky')).toMatchObject({ public_limit: 300, unit: 'graphemes' });
    expect(defaultLimits('x').public_limit).toBe(280);
    expect(defaultLimits('email')).toMatchObject({ public_allowed: false, private_limit: null });
  });
});

describe('remote images', () => {
  it('moves remote src and srcset to data-* and keeps embedded images', () => {
    const r = blockRemoteImages(
      '<p>Hi</p><img src="https://t.example/p.gif"><img src="//cdn.example/a.png"><img src="cid:logo"><img src="data:image/png;base64,AA==">' +
        '<img srcset="https://x.example/a.png 2x"><table background="http://bg.example/b.png"><tr><td>x</td></tr></table>',
    );
    expect(r.blocked).toBe(4);
    expect(r.html).not.toMatch(/ src="(https?:)?\/\//);
    expect(r.html).toContain('data-src="https://t.example/p.gif"');
    expect(r.html).toContain('src="cid:logo"');
    expect(r.html).toContain('src="data:image/png;base64,AA=="');
    expect(r.html).not.toContain('background=');
  });

  it('relaxes only img-src, and only when allowed', () => {
    const blocked = emailSrcdoc('<img src="https://t.example/p.gif">');
    expect(blocked.startsWith(`<meta http-equiv="Content-Security-Policy" content="${EMAIL_CSP}">`)).toBe(true);
    expect(blocked).not.toContain(' src="https://');
    const allowed = emailSrcdoc('<img src="https://t.example/p.gif">', true);
    expect(allowed.startsWith(`<meta http-equiv="Content-Security-Policy" content="${EMAIL_CSP_REMOTE_IMAGES}">`)).toBe(true);
    expect(EMAIL_CSP_REMOTE_IMAGES).toContain("default-src 'none'");
    expect(EMAIL_CSP_REMOTE_IMAGES).not.toContain('script');
    expect(allowed).toContain('src="https://t.example/p.gif"');
  });
});

describe('saved views and search snippets', () => {
  it('stores views, replaces by name and skips what it cannot read', () => {
    const mem = new Map<string, string>();
    const storage = { getItem: (k: string) => mem.get(k) ?? null, setItem: (k: string, v: string) => void mem.set(k, v) };
    let views = upsertView([], { name: ' Late ', filter: { ...NO_FILTER, root_cause: 'Shipping › Late delivery' } });
    views = upsertView(views, { name: 'Late', filter: { ...NO_FILTER, status: 'open' } });
    storeViews(views, storage);
    expect(loadViews(storage)).toEqual([{ name: 'Late', filter: { ...NO_FILTER, status: 'open' } }]);
    mem.set(VIEWS_STORAGE_KEY, '[{"name":"bad","filter":{"status":3}}, {"name":"ok","filter":{"status":null,"channel":"email","root_cause":null,"label":null}}]');
    expect(loadViews(storage).map((v) => v.name)).toEqual(['ok']);
    mem.set(VIEWS_STORAGE_KEY, 'not json');
    expect(loadViews(storage)).toEqual([]);
  });

  it('splits FTS snippets on their [match] markers', () => {
    expect(snippetParts('my [parcel] is [late]!')).toEqual([
      { text: 'my ', match: false },
      { text: 'parcel', match: true },
      { text: ' is ', match: false },
      { text: 'late', match: true },
      { text: '!', match: false },
    ]);
  });
});

describe('outbox counts', () => {
  const entry = (id: number, state: string, discarded = false): OutboxEntry => ({
    id,
    state,
    case_id: 1,
    account: 'shop',
    to: ['a@example.com'],
    subject: 'Re: x',
    message_id: `m${id}`,
    attempts: 0,
    next_attempt_at: null,
    error_class: null,
    last_error: null,
    created_at: 0,
    sent_at: null,
    discarded,
    hint: null,
  });

  it('counts what still needs the user, ignoring sent and discarded items', () => {
    const c = outboxCounts([entry(1, 'queued'), entry(2, 'sending'), entry(3, 'unknown'), entry(4, 'failed'), entry(5, 'failed', true), entry(6, 'sent')]);
    expect(c).toEqual({ queued: 2, unknown: 1, failed: 1, total: 4 });
  });
});

describe('plurals', () => {
  it('says "1 case", never "1 cases"', () => {
    expect(plural(1, 'case')).toBe('1 case');
    expect(plural(0, 'case')).toBe('0 cases');
    expect(plural(3, 'identity', 'identities')).toBe('3 identities');
  });
});
