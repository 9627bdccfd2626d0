// Drives the page in Debian's Chromium (headless, through playwright-core) the way a person
// would, for tests/web.rs: `node web/test/browser.mjs OUT_DIR`.
//
// 1. compose this repository's default forge from its artefacts → OUT_DIR/browser.wasm
//    (through the page's download link) and the page's plan → OUT_DIR/plan.txt;
// 2. uncheck the caps and compose again → the error text shown → OUT_DIR/errors.txt;
// 3. run the composed Python in the page → its status line and output → OUT_DIR/python.txt;
// 4. OUT_DIR/result.json: the compose time the page measured.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { pageUrl, serve } from '../serve.mjs';

const out = process.argv[2];
if (!out) {
  console.error('usage: node web/test/browser.mjs OUT_DIR');
  process.exit(2);
}
const server = await serve(0);
const url = pageUrl(server);
const profile = mkdtempSync(join(tmpdir(), 'pyforge-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.PYFORGE_CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  acceptDownloads: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const logs = [];
try {
  const page = await context.newPage();
  page.on('console', (m) => logs.push(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
  await page.goto(url);
  await page.waitForSelector('body[data-ready]', { timeout: 120_000 }).catch((e) => {
    throw new Error(`the page did not get ready: ${e.message}\n${logs.join('\n')}`);
  });

  await page.click('#plan');
  await page.waitForFunction(
    () => !document.getElementById('plan-out').textContent.startsWith('(press') || document.getElementById('errors').textContent,
    null, { timeout: 120_000 });
  const planErrors = await page.textContent('#errors');
  if (planErrors) throw new Error(`planning the default forge failed in the page:\n${planErrors}`);
  writeFileSync(join(out, 'plan.txt'), await page.textContent('#plan-out'));

  await page.click('#compose');
  await page.waitForFunction(
    () => !document.getElementById('download').hidden || document.getElementById('errors').textContent,
    null, { timeout: 120_000 });
  const errors = await page.textContent('#errors');
  if (errors) throw new Error(`composing the default forge failed in the page:\n${errors}\n${logs.join('\n')}`);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  await download.saveAs(join(out, 'browser.wasm'));
  const composeMs = Number(await page.evaluate(() => document.body.dataset.composeMs));

  for (const box of await page.$$('input[type=checkbox][id^=plug-]')) await box.uncheck();
  await page.click('#compose');
  await page.waitForFunction(() => document.getElementById('errors').textContent, null, { timeout: 120_000 });
  writeFileSync(join(out, 'errors.txt'), await page.textContent('#errors'));
  // 3. run the composed Python in the page (prepared by web/prepare-python.mjs)
  await page.click('#run');
  await page.waitForFunction(() => /^(exit status|failed)/.test(document.getElementById('run-status').textContent), null, { timeout: 180_000 });
  writeFileSync(join(out, 'python.txt'),
    `${await page.textContent('#run-status')}\n${await page.textContent('#run-out')}`.replace(/ in \d+ ms/, ''));
  writeFileSync(join(out, 'result.json'), JSON.stringify({ composeMs, chromium: context.browser()?.version() ?? 'chromium' }) + '\n');
  console.log(`browser: composed in ${composeMs} ms`);
} catch (e) {
  console.error(`${e.message}\n--- page log\n${logs.join('\n')}`);
  process.exitCode = 1;
} finally {
  await context.close();
  server.close();
  rmSync(profile, { recursive: true, force: true });
}
