// Issue 4's browser scenario against the real backend over HTTP (`switchboard serve`):
// a public complaint ARRIVES → the protocol marks it high with a response-time target → the user
// takes it offline to email → tags "Shipping › Late delivery" → sets a follow-up → resolves it →
// the root cause is marked fixed on the Root causes screen.
//
// The workspace is the generated sample data (`switchboard demo`), plus bob's account on the
// Mastodon test server (mastodon_mock, `tests/servers/mastodon.sh up`), connected with the CLI
// and synced once before the page opens (the account's baseline). With the page open, alice
// posts a public complaint mentioning bob and `switchboard sync --once` fetches it: the same
// fetch → ingest → protocol path as the sync loop, so the protocol's response clock starts
// (imported history would start none). The page is not reloaded: the case must appear through
// the server's live refresh. Without mastodon_mock the scenario fails, saying how to start it.
//
// Secrets go to a private keychain the scenario starts itself (./arrival.mjs). The queued
// replies (the email, the public acknowledgement) are not flushed, so nothing is sent.
//
// Run with the others: `npm run e2e` (after `npm run build`, `cargo build -p switchboard-cli` and
// `eval "$(bash tests/servers/mastodon.sh up)"`), through the harness in ./harness.mjs.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';

import { connectMastodon, postStatus, requireMastodonMock, startKeyring, syncOnce } from './arrival.mjs';
import { cli, launchBrowser, rpc as call, startServer } from './harness.mjs';

const ACCOUNT = 'shop-mastodon-e2e';

let keyring;
let server;
let browser;

const rpc = (name, params = {}) => call(server, name, params);

before(async () => {
  await requireMastodonMock();
  keyring = await startKeyring();
  server = await startServer({
    seed: (dataDir) => {
      cli(dataDir, 'demo', '--into', dataDir, '--cases', '40');
      const added = connectMastodon(dataDir, { token: 'bob_token', name: ACCOUNT });
      assert.ok(added.acct.startsWith('bob@'), `bob's account is connected: ${JSON.stringify(added)}`);
      // The first look at a new account takes what is already there as its baseline.
      syncOnce(dataDir, ACCOUNT);
    },
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await keyring?.stop();
});

test('public complaint arrives → high with a target → offline to email → tag → follow-up → resolve → cause fixed', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.uiUrl);
  await page.waitForSelector('button.row');

  // The complaint arrives: alice posts in public, mentioning the shop (bob), and a sync fetches it.
  const nonce = randomBytes(4).toString('hex');
  const complaint = `@bob my order ${nonce} is three weeks late and I am still waiting. Unacceptable.`;
  const posted = await postStatus('alice_token', complaint, 'public');
  const synced = syncOnce(server.dataDir, ACCOUNT);
  assert.ok(synced.social.streams.some((s) => s.new_cases >= 1), `the sync opened a case: ${JSON.stringify(synced)}`);

  const { cases } = await rpc('case_list', { channel: 'mastodon', limit: 0, offset: 0 });
  const arrived = cases.filter((c) => c.snippet?.includes(nonce));
  assert.equal(arrived.length, 1, `exactly one case holds the complaint (status ${posted.id})`);
  const summary = arrived[0];
  const id = summary.id;
  assert.equal(summary.status, 'new');
  assert.equal(summary.priority, 'high', 'the protocol marked the complaint high');
  // A 60-minute target from now (times are Unix milliseconds).
  assert.ok(summary.response_due_at > Date.now() + 50 * 60_000, `the protocol started a response clock: due ${summary.response_due_at}`);
  const insights = await rpc('case_insights', { case_id: id });
  const fired = insights.protocol[0]?.fired ?? [];
  assert.ok(fired.some((f) => f.name === 'Public complaint'), `the "Public complaint" rule fired: ${JSON.stringify(fired)}`);
  assert.equal(insights.protocol[0].actions.target?.minutes, 60, 'the rule set a 60-minute target');
  assert.ok(['on_track', 'due_soon'].includes(insights.response.state), `the clock runs: ${insights.response.state}`);

  // It shows up in the open inbox without a reload, high and with the clock running.
  const row = page.locator(`button.row[data-case-id="${id}"]`);
  await row.waitFor({ timeout: 15_000 });
  await row.scrollIntoViewIfNeeded();
  assert.match(await row.locator('[data-testid="priority"]').innerText(), /High/);
  assert.match(await row.locator('[data-testid="clock"]').innerText(), /⏱/);
  assert.ok((await row.innerText()).includes(nonce), 'the row shows the complaint');

  // Open it from the command palette, by number.
  await page.keyboard.press('Control+k');
  await page.getByRole('combobox', { name: 'Command' }).fill(`#${id}`);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: summary.subject ?? '(no subject)' }).waitFor();

  // The protocol panel says which rule fired and why, and how long is left to respond.
  const protocol = page.getByRole('region', { name: 'Protocol' });
  await protocol.getByRole('list', { name: 'Rules that fired' }).waitFor();
  for (const { name } of fired) assert.ok((await protocol.innerText()).includes(name), `rule ${name} is shown`);
  assert.match(await protocol.getByTestId('response-clock').innerText(), /Respond within/);
  assert.match(await protocol.innerText(), /Target 60 min/);

  // Take it offline to email, with the public acknowledgement.
  await page.getByRole('button', { name: 'Take offline…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Take offline' });
  await dialog.getByTestId('ack-preview').waitFor();
  await dialog.getByLabel('Email address').fill('customer.e2e@example.com');
  await dialog.getByLabel('Private message').fill('So sorry about the delay. Your parcel is with the courier; here are the details.');
  await dialog.getByRole('button', { name: 'Take offline' }).click();
  await dialog.waitFor({ state: 'detached' });
  await page.getByText('So sorry about the delay.').first().waitFor();
  const outbox = await rpc('outbox_list', { include_sent: false });
  const mine = outbox.filter((o) => o.case_id === id);
  assert.ok(mine.some((o) => o.to.includes('customer.e2e@example.com')), 'the email is queued in the outbox');
  assert.ok(mine.some((o) => o.account === ACCOUNT), `the public acknowledgement is queued on the Mastodon account: ${JSON.stringify(mine)}`);
  await page.getByTestId('outbox-queued').waitFor();

  // Tag the root cause from the keyboard.
  await page.keyboard.press('t');
  const picker = page.getByRole('dialog', { name: 'Tag a root cause' });
  await picker.getByRole('textbox', { name: 'Root cause' }).fill('late deliv');
  await page.keyboard.press('Enter');
  await picker.waitFor({ state: 'detached' });
  await page.locator('.case header .chip', { hasText: 'Shipping › Late delivery' }).waitFor();

  // A follow-up in three days.
  await page.getByRole('button', { name: 'Follow-up…' }).click();
  const followups = page.getByRole('region', { name: 'Follow-ups' });
  await followups.getByLabel('Follow-up due').fill('+3d');
  await followups.getByLabel('Follow-up note').fill('Check the parcel was delivered');
  await followups.getByRole('button', { name: 'Add', exact: true }).click();
  await followups.getByText('Check the parcel was delivered').waitFor();

  // Resolve from the keyboard (move focus out of the follow-up field first).
  await page.locator('.case h2').click();
  await page.keyboard.press('e');
  await page.waitForFunction(() => document.querySelector('[data-testid="case-status"]')?.textContent === 'Resolved');

  // The backend agrees on every step.
  const detail = await rpc('case_show', { case_id: id });
  assert.equal(detail.status, 'resolved');
  assert.ok(detail.root_causes.includes('Shipping › Late delivery'));
  const { follow_ups } = await rpc('followup_list', { case_id: id, include_done: false, due_only: false });
  assert.ok(follow_ups.some((f) => f.note === 'Check the parcel was delivered'));

  // Mark the root cause fixed on the Root causes screen.
  await page.locator('a[data-screen="root-causes"]').click();
  const cause = page.locator('li[data-path="Shipping › Late delivery"]');
  await cause.getByRole('button', { name: 'Status…' }).click();
  await cause.getByLabel('Status').selectOption('fixed');
  await cause.getByLabel('What was fixed').fill('Switched courier for EU orders');
  await cause.getByRole('button', { name: 'Save' }).click();
  await page.waitForFunction(
    () => document.querySelector('li[data-path="Shipping › Late delivery"] [data-testid="cause-status"]')?.textContent?.includes('Fixed'),
  );
  const fixed = (await rpc('root_cause_list')).find((r) => r.path === 'Shipping › Late delivery');
  assert.equal(fixed.status, 'fixed');
  assert.equal(fixed.fix_note, 'Switched courier for EU orders');
  assert.ok(fixed.fixed_at > 0);

  assert.deepEqual(errors, []);
  await page.close();
});
