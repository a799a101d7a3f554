// Triage one case end to end in headless Chromium against the real backend over HTTP
// (`switchboard serve` on a seeded demo workspace): the inbox shows the seeded cases, a case
// opens, a reply lands in the outbox (checked with the CLI on the same data folder), the case
// is resolved, and full-text search finds messages.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { cli, launchBrowser, rpc, startServer } from './harness.mjs';

let server;
let browser;
let page;

before(async () => {
  server = await startServer({ seed: 'demo', cases: 40 });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (e) => console.error('page error:', e));
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the inbox shows the seeded cases', async () => {
  await page.goto(server.uiUrl);
  await page.getByTestId('case-count').filter({ hasText: '40 cases' }).waitFor({ timeout: 15_000 });
  // An email case of the sample shop, e.g. "Stopped working #4412" (subject and case ref).
  await page.getByText(/^[A-Z][\w' ]+ #\d{4,5}$/).first().waitFor();
});

test('a case opens, takes a reply into the outbox, and is resolved', async () => {
  const { cases } = await rpc(server, 'case_list', { limit: 0, offset: 0, status: 'new', channel: 'email' });
  const target = cases[0];
  assert.ok(target, 'the demo has a new email case');

  await page.getByText(target.subject, { exact: false }).first().click();
  const view = page.locator('section[aria-label="Case"]');
  await view.getByText(target.subject).first().waitFor();

  const reply = page.getByLabel('Reply text');
  if (!(await reply.isVisible())) await page.keyboard.press('r');
  await reply.fill('Sorry about this! A replacement ships today.');
  await page.getByRole('button', { name: 'Send', exact: true }).click();

  // The CLI on the same data folder sees the queued reply (the outbox is the database's).
  let outbox = [];
  for (let i = 0; i < 50 && !outbox.some((o) => o.case_id === target.id); i++) {
    await new Promise((r) => setTimeout(r, 200));
    outbox = JSON.parse(cli(server.dataDir, 'outbox', 'list', '--json'));
  }
  const queued = outbox.find((o) => o.case_id === target.id);
  assert.ok(queued, `a reply to case ${target.id} is in the outbox: ${JSON.stringify(outbox)}`);
  assert.equal(queued.state, 'queued');

  await page.locator('[aria-label="Set status"]').getByRole('button', { name: /resolve/i }).click();
  await view.getByTestId('case-status').filter({ hasText: /resolved/i }).waitFor();
  const shown = await rpc(server, 'case_show', { case_id: target.id });
  assert.equal(shown.status, 'resolved');
});

test('search finds messages across channels', async () => {
  const box = page.getByTestId('search');
  await box.fill('refund');
  await box.press('Enter');
  const count = page.getByTestId('hit-count');
  await count.waitFor({ timeout: 10_000 });
  const text = await count.innerText();
  assert.match(text, /^[1-9]\d* cases? match/, text);
});
