// The real desktop window under WebDriver: tauri-driver → WebKitWebDriver → the Tauri app
// (target/debug/switchboard-desktop built with --features custom-protocol) on a seeded data
// folder. Run under a display: `bash scripts/desktop-e2e.sh` (Xvfb + a private D-Bus session).
// The window opens, the inbox shows the seeded cases, a case opens, a root cause is tagged, and
// a reply lands in the outbox (checked with the CLI on the same data folder).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { Builder, By, Capabilities, Key, until } from 'selenium-webdriver';

import { REPO, cli } from './harness.mjs';

const APP = process.env.SWITCHBOARD_DESKTOP ?? join(REPO, 'target/debug/switchboard-desktop');
const DRIVER = process.env.TAURI_DRIVER ?? 'tauri-driver';
const PORT = Number(process.env.TAURI_DRIVER_PORT ?? 4444);

let root;
let dataDir;
let driverProc;
let driver;

function portOpen(port) {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'switchboard-wd-'));
  dataDir = join(root, 'data');
  cli(dataDir, 'demo', '--into', dataDir, '--cases', '20');
  driverProc = spawn(DRIVER, ['--port', String(PORT), '--native-port', String(PORT + 1)], {
    stdio: ['ignore', 'inherit', 'inherit'],
    // The app inherits this environment through WebKitWebDriver.
    env: { ...process.env, SWITCHBOARD_DATA_DIR: dataDir, NO_AT_BRIDGE: '1' },
  });
  // tauri-driver opens its port before WebKitWebDriver listens on the native one: wait for both.
  for (let i = 0; i < 100; i++) {
    if ((await portOpen(PORT)) && (await portOpen(PORT + 1))) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const caps = new Capabilities();
  caps.setBrowserName('wry');
  caps.set('tauri:options', { application: APP });
  driver = await new Builder().withCapabilities(caps).usingServer(`http://127.0.0.1:${PORT}/`).build();
});

after(async () => {
  await driver?.quit().catch(() => {});
  driverProc?.kill();
  if (root) rmSync(root, { recursive: true, force: true });
});

test('the window shows the seeded inbox', async () => {
  const count = await driver.wait(until.elementLocated(By.css('[data-testid="case-count"]')), 30_000);
  await driver.wait(until.elementTextContains(count, '20 cases'), 15_000);
});

test('a case opens, a root cause is tagged and a reply lands in the outbox', async () => {
  const list = JSON.parse(cli(dataDir, 'case', 'list', '--status', 'new', '--json'));
  const target = list.cases.find((c) => c.channels.includes('email')) ?? list.cases[0];
  assert.ok(target, 'the demo has a new case');

  const row = await driver.wait(
    until.elementLocated(By.xpath(`//section[@aria-label="Inbox"]//button[contains(., ${JSON.stringify(target.subject.slice(0, 20))})]`)),
    15_000,
  );
  // The inbox is a virtualized list: bring the row on screen before clicking it.
  await driver.executeScript('arguments[0].scrollIntoView({ block: "center" })', row);
  await driver.executeScript('arguments[0].click()', row);
  const view = await driver.wait(until.elementLocated(By.css('section[aria-label="Case"]')), 15_000);
  await driver.wait(until.elementTextContains(view, target.subject.slice(0, 20)), 15_000);

  // Tag from the keyboard, as a user would: t, pick the cause.
  await driver.findElement(By.css('body')).sendKeys('t');
  const cause = await driver.wait(
    until.elementLocated(By.css('button[data-root-cause="Shipping › Late delivery"]')),
    10_000,
  );
  await cause.click();
  await driver.wait(async () => {
    const shown = JSON.parse(cli(dataDir, 'case', 'show', String(target.id), '--json'));
    return shown.root_causes.includes('Shipping › Late delivery');
  }, 10_000);

  // Reply: r opens the composer; Send queues it.
  await driver.findElement(By.css('body')).sendKeys('r');
  const box = await driver.wait(until.elementLocated(By.css('textarea[aria-label="Reply text"]')), 10_000);
  await box.sendKeys('Sorry for the wait, it ships today.');
  await box.sendKeys(Key.CONTROL, Key.ENTER);
  let queued;
  await driver.wait(async () => {
    const outbox = JSON.parse(cli(dataDir, 'outbox', 'list', '--json'));
    queued = outbox.find((o) => o.case_id === target.id);
    return Boolean(queued);
  }, 15_000);
  assert.equal(queued.state, 'queued');
});
