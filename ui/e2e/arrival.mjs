// Helpers that make a message ARRIVE during a browser scenario, through the real sync path:
// a private OS keychain for the CLI and the server, a Mastodon account connected to the test's
// data folder, a status posted by a customer on mastodon_mock, and `switchboard sync --once`.
//
// The keychain: accounts keep their secrets only in the OS keychain (crates/channels/src/secrets.rs
// has no other backend outside unit tests), so the scenario starts its own D-Bus session bus and
// an unlocked gnome-keyring on it, in a throwaway HOME — the same setup as
// scripts/with-keyring.sh — and points this process's environment at it. The harness spawns the
// CLI and `switchboard serve` with this process's environment, so they use it too, and no real
// keyring is ever touched. (node --test runs each file in its own process, so the change stays
// in this scenario.)
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { BIN } from './harness.mjs';

/** mastodon_mock (tests/servers/mastodon.sh up); its seeded users have fixed tokens. */
export const MASTODON_URL = process.env.SB_TEST_MASTODON_URL ?? 'http://127.0.0.1:14300';

/**
 * Fails (never skips) with the command to run when mastodon_mock does not answer: the scenario
 * is about a message arriving, and without the server nothing can arrive.
 */
export async function requireMastodonMock() {
  let problem;
  try {
    const res = await fetch(`${MASTODON_URL}/api/v1/instance`, { signal: AbortSignal.timeout(5000) });
    if (res.ok) return;
    problem = `it answered ${res.status}`;
  } catch (e) {
    problem = e.cause?.code ?? e.message;
  }
  throw new Error(
    `the Mastodon test server (mastodon_mock) does not answer at ${MASTODON_URL} (${problem}); ` +
      'start it with `eval "$(bash tests/servers/mastodon.sh up)"` (scripts/test.sh does this before the e2e block)',
  );
}

/** Runs `command` until it exits; throws with its output when it fails. */
function run(command, args, options = {}) {
  const r = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (r.error) throw new Error(`cannot run ${command}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/**
 * Starts a private D-Bus session bus with an unlocked gnome-keyring (Secret Service) on it and
 * sets DBUS_SESSION_BUS_ADDRESS for everything this process spawns from now on.
 * Resolves to { stop } — stop ends both daemons (by their pids) and removes the folder.
 */
export async function startKeyring() {
  for (const tool of ['dbus-daemon', 'gnome-keyring-daemon']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
      throw new Error(`${tool} is missing: the scenario needs a Secret Service for account secrets (bash scripts/install-deps.sh test)`);
    }
  }
  const root = mkdtempSync(join(tmpdir(), 'switchboard-e2e-keyring-'));
  const home = join(root, 'home');
  const runtime = join(root, 'run');
  mkdirSync(home, { recursive: true });
  mkdirSync(runtime, { recursive: true, mode: 0o700 });
  const env = {
    ...process.env,
    HOME: home,
    XDG_RUNTIME_DIR: runtime,
    XDG_DATA_HOME: join(home, '.local/share'),
  };

  const bus = spawn('dbus-daemon', ['--session', '--nofork', '--nopidfile', '--print-address=1'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let busErr = '';
  bus.stderr.on('data', (d) => (busErr += d));
  const address = await new Promise((resolveLine, reject) => {
    createInterface({ input: bus.stdout }).once('line', resolveLine);
    bus.once('exit', (code) => reject(new Error(`dbus-daemon exited (${code}): ${busErr}`)));
    setTimeout(() => reject(new Error(`dbus-daemon printed no address in 10 s: ${busErr}`)), 10_000).unref();
  });
  env.DBUS_SESSION_BUS_ADDRESS = address.trim();

  // --foreground keeps the daemon our child, so it is stopped by its pid; --unlock reads the
  // new login keyring's password from standard input.
  const keyring = spawn('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], {
    env,
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let keyringErr = '';
  keyring.stderr.on('data', (d) => (keyringErr += d));
  keyring.stdin.end('switchboard-test');

  const stopAll = async () => {
    for (const child of [keyring, bus]) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
    }
    rmSync(root, { recursive: true, force: true });
  };

  // Ready when the Secret Service name is owned on the bus.
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (keyring.exitCode !== null) {
      await stopAll();
      throw new Error(`gnome-keyring-daemon exited (${keyring.exitCode}): ${keyringErr}`);
    }
    const probe = spawnSync(
      'dbus-send',
      ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', 'string:org.freedesktop.secrets'],
      { env, encoding: 'utf8' },
    );
    if (probe.status === 0 && probe.stdout.includes('boolean true')) break;
    if (Date.now() > deadline) {
      await stopAll();
      throw new Error(`the keyring did not appear on the private D-Bus in 15 s: ${keyringErr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  process.env.DBUS_SESSION_BUS_ADDRESS = env.DBUS_SESSION_BUS_ADDRESS;
  return { address: env.DBUS_SESSION_BUS_ADDRESS, stop: stopAll };
}

/** `switchboard account add mastodon --token-stdin` on the data folder; returns its JSON. */
export function connectMastodon(dataDir, { token, name }) {
  const out = run(
    BIN,
    ['--data-dir', dataDir, 'account', 'add', 'mastodon', '--server', MASTODON_URL, '--name', name, '--token-stdin', '--json'],
    { input: `${token}\n` },
  );
  return JSON.parse(out);
}

/**
 * `switchboard sync --once --account NAME` on the data folder (the same path the sync loop
 * takes: fetch → ingest → protocol); throws when the account reports an error.
 */
export function syncOnce(dataDir, account) {
  const out = run(BIN, ['--data-dir', dataDir, 'sync', '--once', '--account', account, '--json']);
  const result = JSON.parse(out);
  const mine = result.accounts?.find((a) => a.account === account);
  if (!mine) throw new Error(`sync --once did not report account ${account}: ${out}`);
  if (mine.error) throw new Error(`sync of ${account} failed (${mine.error_class}): ${mine.error}`);
  const streams = mine.social?.streams ?? [];
  const failed = streams.filter((s) => s.error);
  if (failed.length > 0) throw new Error(`sync of ${account}: ${failed.map((s) => `${s.stream}: ${s.error}`).join('; ')}`);
  return mine;
}

/** Posts a status on mastodon_mock as the user whose token is given (POST /api/v1/statuses). */
export async function postStatus(token, status, visibility = 'public') {
  const res = await fetch(`${MASTODON_URL}/api/v1/statuses`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ status, visibility }),
  });
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new Error(`posting a status on ${MASTODON_URL} failed (${res.status}): ${JSON.stringify(body)}`);
  return body;
}
