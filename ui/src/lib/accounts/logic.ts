// The accounts screen's logic, kept out of the components so it is tested directly.
import type { AddBlueskyParams, AddEmailParams, ChannelLimit } from '../backend/generated/types';
import type { AccountInfo, Security } from './types';
import type { Preset } from './presets';
import { plural } from '../format';

export interface ImapForm {
  name: string;
  email: string;
  display_name: string;
  username: string;
  password: string;
  imap_host: string;
  /** Number inputs bind numbers; presets fill strings. */
  imap_port: string | number;
  imap_security: Security;
  smtp_host: string;
  smtp_port: string | number;
  smtp_security: Security;
}

export function emptyImapForm(): ImapForm {
  return {
    name: '',
    email: '',
    display_name: '',
    username: '',
    password: '',
    imap_host: '',
    imap_port: '993',
    imap_security: 'tls',
    smtp_host: '',
    smtp_port: '465',
    smtp_security: 'tls',
  };
}

/** Fills the servers from a preset; keeps what the user typed elsewhere. */
export function applyPreset(form: ImapForm, p: Preset): ImapForm {
  return {
    ...form,
    imap_host: p.imap[0],
    imap_port: String(p.imap[1]),
    imap_security: p.imap[2],
    smtp_host: p.smtp[0],
    smtp_port: String(p.smtp[1]),
    smtp_security: p.smtp[2],
    // iCloud's username is the part before @icloud.com; the others use the whole address.
    username: form.username || (p.id === 'icloud' ? form.email.split('@')[0] : form.email),
  };
}

function port(v: string | number, what: string): number | string {
  const n = Number(String(v).trim());
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : `${what} port must be a number from 1 to 65535`;
}

export type Checked<T> = { ok: true; params: T } | { ok: false; error: string };

/** Checks the form and builds `account_add_email` params, or says what is missing. */
export function imapParams(f: ImapForm): Checked<AddEmailParams> {
  const email = f.email.trim();
  if (!/^[^@\s]+@[^@\s]+$/.test(email)) return { ok: false, error: 'Enter the email address of the mailbox.' };
  if (!f.password) return { ok: false, error: 'Enter the password (or an app password).' };
  if (!f.imap_host.trim()) return { ok: false, error: 'Enter the incoming (IMAP) server, or pick a provider.' };
  if (!f.smtp_host.trim()) return { ok: false, error: 'Enter the outgoing (SMTP) server, or pick a provider.' };
  const imapPort = port(f.imap_port, 'The IMAP');
  if (typeof imapPort === 'string') return { ok: false, error: imapPort };
  const smtpPort = port(f.smtp_port, 'The SMTP');
  if (typeof smtpPort === 'string') return { ok: false, error: smtpPort };
  return {
    ok: true,
    params: {
      name: f.name.trim() || email,
      email,
      display_name: f.display_name.trim() || null,
      imap_host: f.imap_host.trim(),
      imap_port: imapPort,
      imap_security: f.imap_security,
      smtp_host: f.smtp_host.trim(),
      smtp_port: smtpPort,
      smtp_security: f.smtp_security,
      username: f.username.trim() || email,
      password: f.password,
      extra_folders: [],
    },
  };
}

/** Bluesky app passwords look like `abcd-efgh-ijkl-mnop`; the account password must not be used. */
export const APP_PASSWORD = /^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/i;

export interface BlueskyForm {
  handle: string;
  app_password: string;
  service: string;
}


export function blueskyParams(f: BlueskyForm): Checked<AddBlueskyParams> {
  const handle = f.handle.trim().replace(/^@/, '');
  if (!handle.includes('.') && !handle.startsWith('did:'))
    return { ok: false, error: 'Enter your handle, such as shop.bsky.social (or a DID).' };
  if (!APP_PASSWORD.test(f.app_password.trim()))
    return {
      ok: false,
      error: 'Enter an app password (Settings → Privacy and security → App passwords), in the form xxxx-xxxx-xxxx-xxxx. Allow direct messages for it to answer DMs.',
    };
  const service = f.service.trim();
  if (service && !/^https?:\/\/[^\s/]+/.test(service))
    return { ok: false, error: 'The service URL must start with https:// (leave it empty for bsky.social).' };
  return {
    ok: true,
    params: { handle, app_password: f.app_password.trim(), name: null, service: service || null, plc_url: null, resolver: null },
  };
}

/** `mastodon.social` → `https://mastodon.social`; a URL without a host is refused. */
export function mastodonServer(input: string): Checked<string> {
  let s = input.trim().replace(/\/+$/, '');
  if (!s) return { ok: false, error: 'Enter your server, such as mastodon.social.' };
  if (s.includes('@') && !s.includes('/')) s = s.split('@').pop() ?? '';
  if (!/^https?:\/\//.test(s)) s = `https://${s}`;
  try {
    const u = new URL(s);
    if (!u.hostname.includes('.') && u.hostname !== 'localhost') throw new Error('no domain');
    return { ok: true, params: u.origin };
  } catch {
    return { ok: false, error: `${JSON.stringify(input.trim())} is not a server address.` };
  }
}

/** What to tell the user for a failed add, by error code (never by the text). */
export function addErrorHint(code: string): string {
  switch (code) {
    case 'auth':
      return 'The server refused the sign-in. Check the password; many providers need an app password.';
    case 'unavailable':
      return 'The server could not be reached. Check the server name and your connection, then try again.';
    case 'conflict':
      return 'An account with that name already exists. Choose another name or remove the old one.';
    case 'invalid_input':
      return 'Some of the settings are not valid.';
    default:
      return 'The account could not be added.';
  }
}

export const STATUS_TEXT: Record<string, string> = {
  new: 'Not synced yet',
  demo: 'Sample data, never synced',
  local: 'Built in, nothing to sync',
  ok: 'Up to date',
  syncing: 'Syncing',
  error: 'Sync failing',
  disabled: 'Paused',
};

/**
 * Progress of a first sync: an account syncing that has never finished one. The stream that
 * is busy says what it does (activity); the count is what is stored so far.
 */
export function firstSync(a: AccountInfo): { active: boolean; text: string } {
  const h = a.health;
  if (h.last_success_at !== null || (h.status !== 'syncing' && h.status !== 'new')) return { active: false, text: '' };
  const busy = h.streams.find((s) => s.activity);
  if (!busy) return { active: h.status === 'new', text: h.status === 'new' ? 'Waiting for the first sync' : '' };
  return { active: true, text: `${streamLabel(busy.stream)}: ${busy.activity} — ${plural(h.messages, 'message')} so far` };
}

/** `imap:INBOX` → `INBOX`; `account` → `Account`; social streams keep their names. */
export function streamLabel(stream: string): string {
  if (stream === 'account') return 'Account';
  const i = stream.indexOf(':');
  return i >= 0 ? stream.slice(i + 1) : stream;
}

const KIND_LABELS: Record<string, string> = {
  email: 'Email',
  bluesky: 'Bluesky',
  mastodon: 'Mastodon',
  archive: 'Imported files',
  telegram: 'Telegram',
  x: 'X',
};

export function kindLabel(kind: string): string {
  return KIND_LABELS[kind] ?? kind;
}

/** "public replies up to 300 characters · private up to 10000": what a reply may be on this account. */
export function limitsText(limits: ChannelLimit[]): string {
  const one = (l: ChannelLimit) =>
    l.max == null || l.unit === 'unlimited' ? `${l.visibility} replies of any length` : `${l.visibility} replies up to ${l.max} characters`;
  return limits.map(one).join(' · ');
}
