import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';

import AccountsScreen from '../src/lib/accounts/AccountsScreen.svelte';
import type { AccountInfo } from '../src/lib/accounts/types';
import { createMockBackend } from '../src/lib/backend/mock';

function account(name: string, kind: string, over: Partial<AccountInfo['health']> = {}): AccountInfo {
  return {
    id: name.length,
    name,
    kind,
    address: `${name}@shop.example`,
    enabled: true,
    server: kind === 'email' ? 'imap.shop.example:993' : null,
    removable: kind !== 'archive' && kind !== 'manual',
    health: { status: 'ok', messages: 10, quarantined: 0, last_success_at: 1_700_000_000_000, last_error: null, error_class: null, streams: [], ...over },
  };
}

function backendWith(accounts: AccountInfo[], extra: Record<string, (p: any) => unknown> = {}) {
  const list = accounts.slice();
  return createMockBackend({
    handlers: {
      account_list: () => list,
      channel_limits: (p: { account_id: number }) => ({
        account_id: p.account_id,
        channel: 'bluesky',
        limits: [
          { visibility: 'public', unit: 'graphemes', max: 300 },
          { visibility: 'private', unit: 'graphemes', max: 1000 },
        ],
      }),
      account_remove: (p: { name: string }) => {
        const i = list.findIndex((a) => a.name === p.name);
        if (i < 0) throw { code: 'not_found', message: `account ${JSON.stringify(p.name)} not found` };
        list.splice(i, 1);
        return null;
      },
      ...extra,
    },
  });
}

const cards = () => screen.queryAllByTestId('account');

describe('accounts screen', () => {
  it('lists accounts with status, last error with its class, stream health and first-sync progress; hides the import archive', async () => {
    const failing = account('support', 'email', {
      status: 'error',
      last_error: 'cannot log in: authentication failed',
      error_class: 'auth',
      streams: [
        { stream: 'imap:INBOX', last_success_at: null, last_attempt_at: 1, last_error: 'cannot log in: authentication failed', error_class: 'auth', backoff_until: null, activity: null, activity_at: null, messages: 3, quarantined: 1, cursor: null },
      ],
    });
    const syncing = account('sky', 'bluesky', {
      status: 'syncing',
      last_success_at: null,
      messages: 40,
      streams: [{ stream: 'notifications', last_success_at: null, last_attempt_at: 1, last_error: null, error_class: null, backoff_until: null, activity: 'fetching', activity_at: 1, messages: 40, quarantined: 0, cursor: null }],
    });
    render(AccountsScreen, { backend: backendWith([failing, syncing, account('archive', 'archive')]) });
    await waitFor(() => expect(cards()).toHaveLength(2));
    const [a, b] = cards();
    expect(within(a).getByTestId('account-status').textContent).toBe('Sync failing');
    expect(within(a).getByTestId('account-error').textContent).toContain('auth');
    expect(within(a).getByTestId('account-error').textContent).toContain('authentication failed');
    await fireEvent.click(within(a).getByRole('button', { name: /Show 1 stream/ }));
    expect(within(a).getByTestId('streams').textContent).toContain('INBOX');
    expect(within(a).getByTestId('streams').textContent).toContain('1 quarantined');
    expect(within(b).getByTestId('first-sync').textContent).toContain('notifications: fetching — 40 messages so far');
    expect(b.querySelector('.kind svg[data-channel="bluesky"]')).not.toBeNull();
    expect(b.querySelector('.kind')?.textContent).toContain('Bluesky');
    expect((await within(b).findByTestId('account-limits')).textContent).toBe('public replies up to 300 characters · private replies up to 1000 characters');
    expect(within(a).queryByTestId('account-limits')).toBeNull(); // email has no limit to show
  });

  it('says what to do when there are no accounts', async () => {
    render(AccountsScreen, { backend: backendWith([]) });
    expect((await screen.findByTestId('accounts-empty')).textContent).toContain('Connect');
  });

  it('removes an account only after confirming, and says history is kept', async () => {
    const backend = backendWith([account('support', 'email')]);
    render(AccountsScreen, { backend });
    await waitFor(() => expect(cards()).toHaveLength(1));
    await fireEvent.click(screen.getByRole('button', { name: 'Remove…' }));
    expect(backend.calls.some(([n]) => n === 'account_remove')).toBe(false);
    expect(cards()[0].textContent).toContain('messages and cases stay');
    await fireEvent.click(screen.getByRole('button', { name: 'Remove' }));
    await waitFor(() => expect(cards()).toHaveLength(0));
    expect(backend.calls).toContainEqual(['account_remove', { name: 'support' }]);
    expect(screen.getByRole('status').textContent).toContain('kept');
  });

  it('offers no Remove for the account of logged calls, and shows demo accounts as sample data', async () => {
    const manual = account('manual', 'manual', { status: 'local', last_success_at: null });
    const demo = account('Shop mail (demo)', 'email', { status: 'demo', last_success_at: null, messages: 1 });
    render(AccountsScreen, { backend: backendWith([manual, demo]) });
    await waitFor(() => expect(cards()).toHaveLength(2));
    const [m, d] = cards();
    expect(within(m).queryByRole('button', { name: 'Remove…' })).toBeNull();
    expect(within(m).getByTestId('account-status').textContent).toBe('Built in, nothing to sync');
    expect(within(d).getByTestId('account-status').textContent).toBe('Sample data, never synced');
    expect(within(d).queryByTestId('first-sync')).toBeNull(); // never "waiting for the first sync"
    expect(d.textContent).toContain('1 message');
    expect(d.textContent).not.toContain('1 messages');
  });

  it('adds an IMAP account from a preset, and shows a refused sign-in by its code', async () => {
    let attempts = 0;
    const backend = backendWith([], {
      account_add_email: () => {
        attempts += 1;
        if (attempts === 1) throw { code: 'auth', message: 'cannot add account "ann@gmail.com": the server refused the login' };
        return account('ann@gmail.com', 'email');
      },
    });
    render(AccountsScreen, { backend });
    const form = await screen.findByTestId('imap-form');
    await fireEvent.click(within(form).getByRole('button', { name: 'Gmail / Google Workspace' }));
    expect(screen.getByTestId('preset-note').textContent).toContain('OAuth2');
    await fireEvent.input(within(form).getByLabelText('Email address'), { target: { value: 'ann@gmail.com' } });
    await fireEvent.submit(form);
    expect((await screen.findByTestId('add-error')).textContent).toContain('password');
    expect(backend.calls.some(([n]) => n === 'account_add_email')).toBe(false);

    await fireEvent.input(within(form).getByLabelText('Password'), { target: { value: 'app-pass' } });
    await fireEvent.submit(form);
    await waitFor(() => expect(screen.getByTestId('add-error').textContent).toContain('The server refused the sign-in'));
    expect(screen.getByTestId('add-error').textContent).toContain('the server refused the login');

    await fireEvent.submit(form);
    await waitFor(() => expect(screen.getByRole('status').textContent).toContain('Added ann@gmail.com'));
    expect(screen.queryByTestId('add-error')).toBeNull();
    const call = backend.calls.filter(([n]) => n === 'account_add_email').pop()?.[1];
    expect(call).toMatchObject({
      name: 'ann@gmail.com',
      email: 'ann@gmail.com',
      username: 'ann@gmail.com',
      imap_host: 'imap.gmail.com',
      imap_port: 993,
      imap_security: 'tls',
      smtp_host: 'smtp.gmail.com',
      smtp_port: 465,
      password: 'app-pass',
      preset: 'gmail',
    });
  });

  it('signs in with Google through the browser flow', async () => {
    const backend = backendWith([], { account_add_oauth: (p: { email: string }) => ({ id: 1, name: p.email, email: p.email, provider: 'google', imap_verified: true }) });
    render(AccountsScreen, { backend });
    await fireEvent.click(await screen.findByRole('tab', { name: 'Gmail' }));
    const form = screen.getByTestId('oauth-form');
    expect(form.textContent).toContain('a browser window opens');
    await fireEvent.input(within(form).getByLabelText('Mailbox address'), { target: { value: 'shop@gmail.com' } });
    await fireEvent.submit(form);
    await waitFor(() => expect(backend.calls).toContainEqual(['account_add_oauth', { provider: 'google', name: 'shop@gmail.com', email: 'shop@gmail.com', skip_imap_check: false }]));
  });

  it('adds Bluesky with an app password, showing the 300-grapheme limit', async () => {
    const backend = backendWith([], { account_add_bluesky: (p: { handle: string }) => account(p.handle, 'bluesky') });
    render(AccountsScreen, { backend });
    await fireEvent.click(await screen.findByRole('tab', { name: 'Bluesky' }));
    const form = screen.getByTestId('bluesky-form');
    expect(form.textContent).toContain('300 characters');
    await fireEvent.input(within(form).getByLabelText('Handle'), { target: { value: 'shop.bsky.social' } });
    await fireEvent.input(within(form).getByLabelText('App password'), { target: { value: 'hunter2' } });
    await fireEvent.submit(form);
    expect((await screen.findByTestId('add-error')).textContent).toContain('app password');
    await fireEvent.input(within(form).getByLabelText('App password'), { target: { value: 'abcd-efgh-ijkl-mnop' } });
    await fireEvent.submit(form);
    await waitFor(() =>
      expect(backend.calls).toContainEqual([
        'account_add_bluesky',
        { handle: 'shop.bsky.social', app_password: 'abcd-efgh-ijkl-mnop', name: null, service: null, plc_url: null, resolver: null },
      ]),
    );
  });

  it('signs in to Mastodon: begin on the server, then finish', async () => {
    let approve: (v: unknown) => void = () => {};
    const backend = backendWith([], {
      mastodon_sign_in_begin: (p: { server: string }) => ({ sign_in_id: 's1', authorize_url: `${p.server}/oauth/authorize?x`, redirect_uri: 'http://127.0.0.1:1/cb' }),
      // Resolves when the user approves in the browser.
      mastodon_sign_in_finish: () => new Promise((resolve) => (approve = resolve)),
    });
    render(AccountsScreen, { backend });
    await fireEvent.click(await screen.findByRole('tab', { name: 'Mastodon' }));
    const form = screen.getByTestId('mastodon-form');
    await fireEvent.input(within(form).getByLabelText('Server'), { target: { value: 'mastodon.social' } });
    await fireEvent.submit(form);
    // While waiting, the sign-in page is offered as a link.
    const link = within(await screen.findByTestId('mastodon-authorize')).getByRole('link');
    expect(link.getAttribute('href')).toBe('https://mastodon.social/oauth/authorize?x');
    approve({ id: 3, name: 'shop@mastodon.social', server: 'https://mastodon.social/', acct: 'shop@mastodon.social', account_uri: 'u', max_characters: 500 });
    await waitFor(() => expect(screen.getByRole('status').textContent).toContain('Added shop@mastodon.social'));
    expect(backend.calls.filter(([n]) => n.startsWith('mastodon'))).toEqual([
      ['mastodon_sign_in_begin', { server: 'https://mastodon.social', open_browser: true }],
      ['mastodon_sign_in_finish', { sign_in_id: 's1' }],
    ]);
  });

  it('adds Mastodon with an access token instead of the browser', async () => {
    const backend = backendWith([], {
      account_add_mastodon: (p: { server: string }) => ({ id: 4, name: 'shop@fosstodon.org', server: `${p.server}/`, acct: 'shop@fosstodon.org', account_uri: 'u', max_characters: 500 }),
    });
    render(AccountsScreen, { backend });
    await fireEvent.click(await screen.findByRole('tab', { name: 'Mastodon' }));
    const form = screen.getByTestId('mastodon-form');
    await fireEvent.input(within(form).getByLabelText('Server'), { target: { value: 'fosstodon.org' } });
    await fireEvent.input(within(form).getByLabelText('Access token'), { target: { value: ' tok123 ' } });
    await fireEvent.submit(form);
    await waitFor(() => expect(screen.getByRole('status').textContent).toContain('Added shop@fosstodon.org'));
    expect(backend.calls.filter(([n]) => n.includes('mastodon'))).toEqual([
      ['account_add_mastodon', { server: 'https://fosstodon.org', token: 'tok123', name: null, public_visibility: null }],
    ]);
  });
});
