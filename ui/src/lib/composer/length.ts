/**
 * Counting a reply the way each channel counts it. Bluesky's limit is in graphemes (what a
 * reader sees as one character: "👍🏽" is one), Mastodon and X count code points (X weights URLs
 * and CJK differently; approximating with code points errs on the safe side for plain text).
 */
export type LengthUnit = 'graphemes' | 'chars' | 'bytes';

let segmenter: Intl.Segmenter | null | undefined;

export function countGraphemes(text: string): number {
  if (segmenter === undefined) {
    segmenter = typeof Intl !== 'undefined' && 'Segmenter' in Intl ? new Intl.Segmenter(undefined, { granularity: 'grapheme' }) : null;
  }
  if (!segmenter) return [...text].length;
  let n = 0;
  for (const _ of segmenter.segment(text)) n += 1;
  return n;
}

export function countLength(text: string, unit: LengthUnit): number {
  switch (unit) {
    case 'graphemes':
      return countGraphemes(text);
    case 'bytes':
      return new TextEncoder().encode(text).length;
    default:
      return [...text].length;
  }
}

export interface Limits {
  public_allowed: boolean;
  private_allowed: boolean;
  public_limit: number | null;
  private_limit: number | null;
  unit: LengthUnit;
}

/** Reads crates/api's ChannelLimits (one entry per visibility) into what the composer uses. */
export function limitsFrom(entries: readonly { visibility: string; unit: string; max: number | null }[]): Limits | null {
  const pub = entries.find((e) => e.visibility === 'public');
  const priv = entries.find((e) => e.visibility === 'private');
  if (!pub && !priv) return null;
  const counted = [pub, priv].find((e) => e && e.unit !== 'unlimited');
  return {
    public_allowed: !!pub,
    private_allowed: !!priv,
    public_limit: pub && pub.unit !== 'unlimited' ? pub.max : null,
    private_limit: priv && priv.unit !== 'unlimited' ? priv.max : null,
    unit: counted?.unit === 'graphemes' ? 'graphemes' : 'chars',
  };
}

/**
 * What each channel allows when the backend cannot say (no `channel_limits`, or offline before
 * a Mastodon server's limit is known). Mastodon's 500 is the default server setting; the real
 * per-server figure comes from the backend.
 */
export function defaultLimits(channel: string): Limits {
  switch (channel) {
    case 'bluesky':
      return { public_allowed: true, private_allowed: true, public_limit: 300, private_limit: 1000, unit: 'graphemes' };
    case 'mastodon':
      return { public_allowed: true, private_allowed: true, public_limit: 500, private_limit: 500, unit: 'chars' };
    case 'x':
      return { public_allowed: true, private_allowed: true, public_limit: 280, private_limit: 10000, unit: 'chars' };
    case 'telegram':
      return { public_allowed: false, private_allowed: true, public_limit: null, private_limit: 4096, unit: 'chars' };
    default:
      return { public_allowed: false, private_allowed: true, public_limit: null, private_limit: null, unit: 'chars' };
  }
}
