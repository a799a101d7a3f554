// Launch benchmark of the real desktop window (prints, never fails on time): the Tauri app on a
// workspace of N cases, driven by tauri-driver → WebKitWebDriver under Xvfb. Prints launch to
// an interactive inbox (session start → rows on screen), frame times while the inbox scrolls
// (rAF deltas sampled in the page), and memory (PSS and RSS) of the app's process tree.
//
//   BENCH_DATA_DIR=DIR bash scripts/bench-desktop.sh    (DIR seeded by `switchboard demo --into DIR --cases 100000`)
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

import { Builder, By, Capabilities, until } from 'selenium-webdriver';

import { REPO } from './harness.mjs';

const APP = process.env.SWITCHBOARD_DESKTOP ?? join(REPO, 'target/debug/switchboard-desktop');
const DATA = process.env.BENCH_DATA_DIR;
const PORT = Number(process.env.TAURI_DRIVER_PORT ?? 4454);
/** How long the inbox scrolls; longer runs show whether memory keeps growing with rows fetched. */
const SCROLL_MS = Number(process.env.BENCH_SCROLL_MS ?? 3000);
if (!DATA) throw new Error('set BENCH_DATA_DIR to a seeded data folder');

const portOpen = (port) =>
  new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

function tree() {
  const procs = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // Zombies (an app of an earlier run still being reaped) have no memory; skip them.
      if (state === 'Z') continue;
      procs.push({ pid: Number(d), ppid: Number(ppid), comm: readFileSync(`/proc/${d}/comm`, 'utf8').trim() });
    } catch {
      // gone
    }
  }
  return procs;
}

function memOfApp() {
  const procs = tree();
  const app = procs.find((p) => p.comm.startsWith('switchboard-des'));
  if (!app) return null;
  const ids = new Set([app.pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of procs) if (ids.has(p.ppid) && !ids.has(p.pid)) (ids.add(p.pid), (grew = true));
  }
  let rss = 0;
  let pss = 0;
  const each = [];
  for (const pid of ids) {
    try {
      const t = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(t)?.[1] ?? 0);
      rss += kb('Rss');
      pss += kb('Pss');
      // Pss_Anon is the process's own heap (JS, DOM, caches); Pss_File is mapped libraries.
      const comm = procs.find((p) => p.pid === pid)?.comm ?? '?';
      each.push(`${comm} ${(kb('Pss') / 1024).toFixed(0)} (anon ${(kb('Pss_Anon') / 1024).toFixed(0)}, file ${(kb('Pss_File') / 1024).toFixed(0)}, shmem ${(kb('Pss_Shmem') / 1024).toFixed(0)})`);
    } catch {
      // gone
    }
  }
  return { count: ids.size, rss: rss / 1024, pss: pss / 1024, each };
}

const driverProc = spawn('tauri-driver', ['--port', String(PORT), '--native-port', String(PORT + 1)], {
  stdio: 'ignore',
  env: { ...process.env, SWITCHBOARD_DATA_DIR: DATA, NO_AT_BRIDGE: '1' },
});
let driver;
try {
  for (let i = 0; i < 100 && !((await portOpen(PORT)) && (await portOpen(PORT + 1))); i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const caps = new Capabilities();
  caps.setBrowserName('wry');
  caps.set('tauri:options', { application: APP });
  const start = performance.now();
  driver = await new Builder().withCapabilities(caps).usingServer(`http://127.0.0.1:${PORT}/`).build();
  const count = await driver.wait(until.elementLocated(By.css('[data-testid="case-count"]')), 60_000);
  await driver.wait(until.elementLocated(By.css('section[aria-label="Inbox"] button')), 60_000);
  const launchMs = performance.now() - start;
  const header = await count.getText();
  const memAtLaunch = memOfApp();
  await driver.manage().setTimeouts({ script: SCROLL_MS + 30_000 });
  const frames = await driver.executeAsyncScript(`
    const done = arguments[arguments.length - 1];
    const inbox = document.querySelector('section[aria-label="Inbox"]');
    const scroller = [...(inbox ? inbox.querySelectorAll('*') : [])].find((el) => {
      const s = getComputedStyle(el);
      return /(auto|scroll)/.test(s.overflowY) && el.scrollHeight > el.clientHeight + 100;
    });
    if (!scroller) return done(null);
    const deltas = [];
    let last = performance.now();
    const end = last + ${SCROLL_MS};
    const step = (now) => {
      deltas.push(now - last);
      last = now;
      scroller.scrollTop += 120;
      if (now < end) requestAnimationFrame(step); else done({ deltas: deltas.slice(1), scrolled: scroller.scrollTop });
    };
    requestAnimationFrame(step);`);
  const mem = memOfApp();
  console.log(`desktop window benchmark on ${DATA}`);
  console.log(`  launch to interactive inbox (WebDriver session start → rows shown): ${launchMs.toFixed(0)} ms (budget < 1000 ms); header "${header}"`);
  if (frames) {
    const d = [...frames.deltas].sort((a, b) => a - b);
    const pct = (q) => d[Math.min(d.length - 1, Math.floor(q * d.length))];
    const over = frames.deltas.filter((x) => x > 25).length;
    console.log(`  scrolling: ${d.length} frames, p50 ${pct(0.5).toFixed(1)} ms, p95 ${pct(0.95).toFixed(1)} ms, max ${d[d.length - 1].toFixed(1)} ms, ${over} over 25 ms; scrolled ${frames.scrolled} px`);
  }
  if (mem) console.log(`  memory of the app's process tree (${mem.count} processes): PSS ${mem.pss.toFixed(0)} MB, RSS summed ${mem.rss.toFixed(0)} MB (budget < 200 MB)`);
  if (memAtLaunch) console.log(`    before scrolling: PSS ${memAtLaunch.pss.toFixed(0)} MB`);
  if (mem) console.log(`    PSS per process, MB: ${mem.each.join('; ')}`);
} finally {
  await driver?.quit().catch(() => {});
  driverProc.kill();
}
