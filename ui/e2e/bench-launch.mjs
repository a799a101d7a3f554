// Launch benchmark (prints, never fails on time): open the inbox on a workspace of N cases
// (default 100 000, the demo generator) in headless Chromium against `switchboard serve`, and
// measure what DESIGN.md §7 budgets: launch to an interactive inbox (< 1 s), frame times while
// scrolling the virtualized list (no dropped frames), resident memory of the whole app,
// summed over the server and every browser process (< 200 MB), and the Reports screen (< 500 ms).
//
//   node ui/e2e/bench-launch.mjs [cases]        (after cargo build --release -p switchboard-cli)
//   SWITCHBOARD_BIN=target/release/switchboard  selects the binary (default: the debug build)
//   BENCH_DATA_DIR=DIR                          serves a folder seeded beforehand
import { readFileSync, readdirSync } from 'node:fs';

import { cli, launchBrowser, startServer } from './harness.mjs';

const cases = Number(process.argv[2] ?? 100_000);

/** Pids of every process below `root` (from /proc). */
function descendants(root) {
  const children = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(d));
    } catch {
      // The process ended while we looked.
    }
  }
  const out = [];
  const todo = [root];
  while (todo.length) {
    for (const c of children.get(todo.pop()) ?? []) {
      out.push(c);
      todo.push(c);
    }
  }
  return out;
}

/** RSS (shared pages counted in every process) and PSS (shared pages split between them). */
function memKb(pid) {
  try {
    const t = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const get = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(t)?.[1] ?? 0);
    return { rss: get('Rss'), pss: get('Pss') };
  } catch {
    return { rss: 0, pss: 0 };
  }
}

function commOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}

const t0 = performance.now();
// BENCH_DATA_DIR: a folder already seeded with `switchboard demo --into DIR --cases N`.
const server = await startServer(
  process.env.BENCH_DATA_DIR
    ? { dataDir: process.env.BENCH_DATA_DIR }
    : { seed: (dir) => cli(dir, 'demo', '--into', dir, '--cases', String(cases)) },
);
const seeded = performance.now() - t0;
const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
try {
  const start = performance.now();
  await page.goto(server.uiUrl);
  await page.getByTestId('case-count').first().waitFor({ timeout: 60_000 });
  await page.locator('section[aria-label="Inbox"] button').filter({ hasText: /\S/ }).nth(5).waitFor({ timeout: 60_000 });
  const launchMs = performance.now() - start;
  const countText = await page.getByTestId('case-count').first().innerText();

  // Scroll the list one step per frame for 3 s and time every frame.
  const frames = await page.evaluate(async () => {
    const inbox = document.querySelector('section[aria-label="Inbox"]');
    const scroller = [...(inbox?.querySelectorAll('*') ?? [])].find((el) => {
      const s = getComputedStyle(el);
      return /(auto|scroll)/.test(s.overflowY) && el.scrollHeight > el.clientHeight + 100;
    });
    if (!scroller) return null;
    const deltas = [];
    let last = performance.now();
    const end = last + 3000;
    await new Promise((done) => {
      const step = (now) => {
        deltas.push(now - last);
        last = now;
        scroller.scrollTop += 120;
        if (now < end) requestAnimationFrame(step);
        else done();
      };
      requestAnimationFrame(step);
    });
    return { deltas: deltas.slice(1), scrolled: scroller.scrollTop };
  });

  const pids = descendants(process.pid);
  const mem = pids.map((p) => ({ name: commOf(p), ...memKb(p) }));
  const sum = (list, k) => list.reduce((s, m) => s + m[k], 0) / 1024;
  const serverMem = mem.filter((m) => m.name === 'switchboard');

  console.log(`launch benchmark: ${cases} cases (seeded in ${(seeded / 1000).toFixed(1)} s)`);
  console.log(`  launch to interactive inbox: ${launchMs.toFixed(0)} ms (budget < 1000 ms); header says "${countText}"`);
  if (frames) {
    const d = [...frames.deltas].sort((a, b) => a - b);
    const pct = (q) => d[Math.min(d.length - 1, Math.floor(q * d.length))];
    const dropped = frames.deltas.filter((x) => x > 1.5 * (1000 / 60)).length;
    console.log(
      `  scrolling: ${frames.deltas.length} frames, p50 ${pct(0.5).toFixed(1)} ms, p95 ${pct(0.95).toFixed(1)} ms, max ${d[d.length - 1].toFixed(1)} ms, ${dropped} over 25 ms (budget: none); scrolled ${frames.scrolled} px`,
    );
  } else {
    console.log('  scrolling: no scrollable list found');
  }
  console.log(
    `  memory, server + all browser processes (${pids.length}): PSS ${sum(mem, 'pss').toFixed(0)} MB, RSS summed ${sum(mem, 'rss').toFixed(0)} MB (budget < 200 MB resident); server alone: PSS ${sum(serverMem, 'pss').toFixed(0)} MB`,
  );

  // The Reports screen on the same workspace (insight budget: interactive in < 500 ms): from the
  // sidebar click until the weekly digest is on screen (it needs the trend, fix and channel
  // reports of the last four weeks), then until the trend chart of the causes tab is drawn (the
  // chart library loads lazily on first use).
  const r0 = performance.now();
  await page.locator('a[data-screen="reports"]').click();
  await page.getByTestId('digest').waitFor({ timeout: 60_000 });
  const digestMs = performance.now() - r0;
  console.log(`  Reports screen: digest interactive ${digestMs.toFixed(0)} ms (budget < 500 ms)`);
  const c0 = performance.now();
  await page.getByTestId('tab-causes').click();
  const chart = page.getByTestId('chart').first();
  try {
    await chart.locator('canvas').waitFor({ timeout: 30_000 });
    console.log(`  Reports screen: trend chart drawn ${(performance.now() - c0).toFixed(0)} ms after its tab`);
  } catch {
    const shown = (await page.locator('body').innerText().catch(() => '')).slice(0, 600).replace(/\s+/g, ' ');
    if (process.env.BENCH_SCREENSHOT) await page.screenshot({ path: process.env.BENCH_SCREENSHOT });
    console.log(`  Reports screen: no trend chart drawn within 30 s; the tab shows: ${shown}`);
  }
} finally {
  await browser.close();
  await server.stop();
}
