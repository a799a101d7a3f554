// The end-to-end harness: a real backend (`switchboard serve`) on a seeded data folder, and
// Debian's Chromium driven by playwright-core (which never downloads a browser). Scenarios in
// this folder use it; run them with `npm run e2e` (node --test) after `npm run build` and
// `cargo build -p switchboard-cli`.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(here, '../..');
export const UI_DIST = resolve(here, '../dist');
/** The CLI binary: $SWITCHBOARD_BIN, else the workspace's debug build. */
export const BIN = process.env.SWITCHBOARD_BIN ?? join(REPO, 'target/debug/switchboard');
/** Debian's Chromium (apt `chromium`); override with $CHROMIUM. */
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Runs the CLI on a data folder; returns stdout, throws with stderr on failure. */
export function cli(dataDir, ...args) {
  const r = spawnSync(BIN, ['--data-dir', dataDir, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`switchboard ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/**
 * Seeds a fresh data folder and starts `switchboard serve --ui ui/dist` on it.
 * `seed`: 'demo' (the sample-data generator; `cases` sets how many), 'empty', or a function
 * `(dataDir) => void` that fills the folder itself (e.g. through `cli`).
 * `dataDir`: serve that existing folder instead (not seeded, not deleted).
 * Resolves to { url, token, uiUrl, dataDir, stop }.
 */
export async function startServer({ seed = 'demo', cases = 40, dataDir: existing = null } = {}) {
  for (const [what, path] of [['the CLI binary', BIN], ['the built UI', join(UI_DIST, 'index.html')]]) {
    if (!existsSync(path)) throw new Error(`${what} is missing at ${path} (cargo build -p switchboard-cli; npm --prefix ui run build)`);
  }
  const root = mkdtempSync(join(tmpdir(), 'switchboard-e2e-'));
  // `dataDir`: serve an existing folder as it is (kept on stop), e.g. a pre-seeded benchmark.
  const dataDir = existing ?? join(root, 'data');
  if (existing) {
    // nothing to seed
  } else if (seed === 'demo') cli(dataDir, 'demo', '--into', dataDir, '--cases', String(cases));
  else if (seed === 'empty') cli(dataDir, 'init');
  else await seed(dataDir);

  const child = spawn(BIN, ['--data-dir', dataDir, 'serve', '--ui', UI_DIST, '--json'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const line = await new Promise((resolveLine, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.once('line', resolveLine);
    child.once('exit', (code) => reject(new Error(`switchboard serve exited (${code}): ${stderr}`)));
    setTimeout(() => reject(new Error(`switchboard serve printed nothing in 30 s: ${stderr}`)), 30_000).unref();
  });
  const { url, token, ui_url: uiUrl } = JSON.parse(line);
  return {
    url,
    token,
    uiUrl,
    dataDir,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Headless Chromium; never a downloaded browser. */
export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
}

/** Calls a command over HTTP as the page does. */
export async function rpc(server, name, params = {}) {
  const res = await fetch(`${server.url}/rpc/${name}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(params),
  });
  const body = await res.json();
  if (!res.ok) throw Object.assign(new Error(body.message), body);
  return body;
}
