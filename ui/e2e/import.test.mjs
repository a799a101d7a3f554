// Importing old mail from the window, end to end in headless Chromium against the real backend
// (`switchboard serve` on an empty workspace): the owner types a folder's path on the welcome
// screen (no native picker in a browser), gives the shop's own address, watches the import run
// and reads its summary; the customer's complaint is in the inbox with the shop's reply counted
// as sent, and the supplier's newsletter waits behind the Automated view, not in triage.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { launchBrowser, startServer } from './harness.mjs';

let server;
let browser;
let page;
let mail;

/** One RFC 5322 message: headers, a blank line, the body. */
function eml(headers, body) {
  return `${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n')}\r\n\r\n${body}\r\n`;
}

before(async () => {
  mail = mkdtempSync(join(tmpdir(), 'switchboard-e2e-mail-'));
  writeFileSync(
    join(mail, '1.eml'),
    eml(
      {
        From: 'Ann Customer <ann@example.com>',
        To: 'help@shop.example',
        Subject: 'Where is my parcel?',
        'Message-ID': '<a1@example.com>',
        Date: 'Mon, 30 Nov 2026 09:00:00 +0000',
      },
      'Hi, my order 1001 has not arrived. The courier says delivered.',
    ),
  );
  writeFileSync(
    join(mail, '2.eml'),
    eml(
      {
        From: 'Shop <help@shop.example>',
        To: 'Ann Customer <ann@example.com>',
        Subject: 'Re: Where is my parcel?',
        'Message-ID': '<s1@shop.example>',
        'In-Reply-To': '<a1@example.com>',
        References: '<a1@example.com>',
        Date: 'Mon, 30 Nov 2026 10:00:00 +0000',
      },
      'Sorry Ann, we are checking with the courier.',
    ),
  );
  writeFileSync(
    join(mail, '3.eml'),
    eml(
      {
        From: 'Supplier News <news@supplier.example>',
        To: 'help@shop.example',
        Subject: 'November offers',
        'Message-ID': '<n1@supplier.example>',
        'List-Id': 'Supplier offers <offers.supplier.example>',
        Date: 'Tue, 01 Dec 2026 08:00:00 +0000',
      },
      'Our best prices this month.',
    ),
  );
  server = await startServer({ seed: 'empty' });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (e) => console.error('page error:', e));
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (mail) rmSync(mail, { recursive: true, force: true });
});

test('a folder imported from the welcome screen, with the shop’s own address', async () => {
  await page.goto(server.uiUrl);
  const panel = page.getByTestId('import-panel');
  await panel.waitFor({ timeout: 20_000 });
  assert.equal(await panel.getByTestId('pick-files').count(), 0, 'no native picker in a browser');
  await panel.getByTestId('import-path').fill(mail);
  await panel.getByTestId('import-self').fill('help@shop.example');
  await panel.getByTestId('import-start').click();
  const summary = panel.getByTestId('import-summary');
  await summary.waitFor({ timeout: 30_000 });
  assert.match(await summary.innerText(), /Imported 3 messages/);
});

test('the complaint is in the inbox and the newsletter only behind the Automated view', async () => {
  // The welcome stayed for the summary; the owner moves on to the inbox.
  await page.getByTestId('import-done').click();
  const inbox = page.locator('section[aria-label="Inbox"]');
  await inbox.getByText('Where is my parcel?').first().waitFor({ timeout: 20_000 });
  assert.equal(await inbox.getByText('November offers').count(), 0, 'the newsletter is not in triage');
  await page.getByRole('button', { name: /Automated/ }).first().click();
  await inbox.getByText('November offers').first().waitFor({ timeout: 10_000 });
});
