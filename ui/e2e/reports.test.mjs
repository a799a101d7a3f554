// The Reports screen end to end in headless Chromium against the real backend (`switchboard
// serve` on the sample workspace): the sample shop's story shows — a root cause that rose, was
// fixed and dropped, and customers who came to social because the phone line failed them — and a
// click on a figure opens exactly its cases in the inbox. Saves docs/reports.png when
// SWITCHBOARD_SCREENSHOT is set (the README's screenshot).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launchBrowser, rpc, startServer } from './harness.mjs';

let server;
let browser;
let page;

before(async () => {
  server = await startServer({ seed: 'demo', cases: 40 });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (e) => console.error('page error:', e));
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the digest tells the sample shop what its conversations mean', async () => {
  // The token travels in the URL fragment, so the app is opened first and the screen chosen in
  // the sidebar, as a person would.
  await page.goto(server.uiUrl);
  await page.locator('a[data-screen="reports"]').click();
  const digest = page.getByTestId('digest');
  await digest.waitFor({ timeout: 20_000 });
  // The fixed cause of the sample story: fewer cases since the fix.
  await digest.getByText('Fewer cases since the fix').first().waitFor({ timeout: 20_000 });
  if (process.env.SWITCHBOARD_SCREENSHOT) {
    // Ten weeks: the late deliveries rise, the fix, and the drop after it.
    const from = new Date(Date.now() - 69 * 86_400_000).toISOString().slice(0, 10);
    await page.getByTestId('report-from').fill(from);
    await page.getByTestId('tab-causes').click();
    await page.getByTestId('chart').first().locator('canvas').waitFor({ timeout: 20_000 });
    await page.screenshot({ path: process.env.SWITCHBOARD_SCREENSHOT, fullPage: false });
    await page.getByTestId('report-from').fill('');
    await page.getByTestId('tab-digest').click();
  }
});

test('why customers chose Bluesky: the phone line failed them', async () => {
  // The sample's answers are in the weeks before the last four: widen the range.
  const from = new Date(Date.now() - 70 * 86_400_000).toISOString().slice(0, 10);
  await page.getByTestId('report-from').fill(from);
  await page.getByTestId('tab-channels').click();
  await page.getByTestId('reasons-bluesky').filter({ hasText: /phone tree/ }).waitFor({ timeout: 10_000 });
  const reasons = page.getByTestId('reasons-bluesky');
  await reasons.waitFor();
  assert.match(await reasons.innerText(), /phone tree \d+/);
});

test('a bar of the trend chart opens exactly its cases in the inbox', async () => {
  await page.getByTestId('tab-causes').click();
  const chart = page.getByTestId('chart').first();
  await chart.getByText('Data table').click();
  const first = chart.getByTestId('drill').first();
  const shown = Number(await first.innerText());
  assert.ok(shown > 0, 'the chart has a bar with cases');
  await first.click();
  const banner = page.getByTestId('drill-banner');
  await banner.waitFor();
  assert.match(await banner.innerText(), new RegExp(`${shown} cases?`));
  // The inbox lists exactly those cases: its count agrees with the bar.
  await page.getByTestId('case-count').filter({ hasText: new RegExp(`^${shown} cases?$`) }).waitFor({ timeout: 10_000 });
  // "Show all" goes back to the whole inbox.
  await banner.getByText('Show all').click();
  await banner.waitFor({ state: 'detached' });
  const all = await rpc(server, 'case_list', { limit: 0, offset: 0 });
  await page.getByTestId('case-count').filter({ hasText: `${all.total} cases` }).waitFor({ timeout: 10_000 });
});
