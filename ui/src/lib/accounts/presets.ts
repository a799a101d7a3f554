import type { Security } from './types';

/** The servers of the big providers, as in crates/channels/src/account.rs PRESETS. */
export interface Preset {
  id: string;
  name: string;
  imap: [string, number, Security];
  smtp: [string, number, Security];
  /** The OAuth provider to offer instead of a password, if any. */
  oauth: 'google' | 'microsoft' | null;
  note: string;
}

export const PRESETS: readonly Preset[] = [
  {
    id: 'gmail',
    name: 'Gmail / Google Workspace',
    imap: ['imap.gmail.com', 993, 'tls'],
    smtp: ['smtp.gmail.com', 465, 'tls'],
    oauth: 'google',
    note: 'Sign in with Google (OAuth2). An app password also works when 2-step verification is on.',
  },
  {
    id: 'microsoft',
    name: 'Outlook / Microsoft 365',
    imap: ['outlook.office365.com', 993, 'tls'],
    smtp: ['smtp.office365.com', 587, 'starttls'],
    oauth: 'microsoft',
    note: 'Sign in with Microsoft (OAuth2). Some organisations turn SMTP sending off per mailbox.',
  },
  {
    id: 'fastmail',
    name: 'Fastmail',
    imap: ['imap.fastmail.com', 993, 'tls'],
    smtp: ['smtp.fastmail.com', 465, 'tls'],
    oauth: null,
    note: 'Use an app password (Settings → Privacy & Security → App passwords).',
  },
  {
    id: 'icloud',
    name: 'iCloud Mail',
    imap: ['imap.mail.me.com', 993, 'tls'],
    smtp: ['smtp.mail.me.com', 587, 'starttls'],
    oauth: null,
    note: 'Use an app-specific password (appleid.apple.com). The username is the part before @icloud.com.',
  },
  {
    id: 'yahoo',
    name: 'Yahoo Mail',
    imap: ['imap.mail.yahoo.com', 993, 'tls'],
    smtp: ['smtp.mail.yahoo.com', 465, 'tls'],
    oauth: null,
    note: 'Use an app password (Account security → Generate app password).',
  },
];

const DOMAINS: Record<string, string> = {
  'gmail.com': 'gmail',
  'googlemail.com': 'gmail',
  'outlook.com': 'microsoft',
  'hotmail.com': 'microsoft',
  'live.com': 'microsoft',
  'msn.com': 'microsoft',
  'fastmail.com': 'fastmail',
  'fastmail.fm': 'fastmail',
  'icloud.com': 'icloud',
  'me.com': 'icloud',
  'mac.com': 'icloud',
  'yahoo.com': 'yahoo',
  'ymail.com': 'yahoo',
};

export function presetById(id: string): Preset | null {
  return PRESETS.find((p) => p.id === id) ?? null;
}

/** Guesses the provider from an address's domain, so typing the address fills in the servers. */
export function presetForAddress(email: string): Preset | null {
  const domain = email.trim().toLowerCase().split('@')[1];
  return domain ? presetById(DOMAINS[domain] ?? '') : null;
}
