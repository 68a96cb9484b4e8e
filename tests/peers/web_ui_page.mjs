// Run by tests/e2e/web_ui.rs: opens a Temporal Web UI link in Debian's Chromium (headless, driven
// by playwright-core), waits until the page's own data has loaded, keeps a screenshot and prints
// what the page shows as one JSON object {url, title, text, waitedFor, loaded}. The Rust test
// decides pass or fail on that text, so a page that never loads still leaves its screenshot.
//
// Environment: MEETFLOW_UI_LINK (the link to open), MEETFLOW_UI_EXPECT (JSON array of strings
// the loaded page shows, in any case), MEETFLOW_SCREENSHOT (PNG path), MEETFLOW_CHROMIUM
// (default /usr/bin/chromium, see chromium.mjs).
import assert from 'node:assert/strict';
import { launchChromium } from './chromium.mjs';

const env = (name) => {
  const value = process.env[name];
  assert.ok(value, `${name} must be set (tests/e2e/web_ui.rs sets it)`);
  return value;
};
const link = env('MEETFLOW_UI_LINK');
const expected = JSON.parse(env('MEETFLOW_UI_EXPECT'));
const screenshot = env('MEETFLOW_SCREENSHOT');

const browser = await launchChromium();
let loaded = false;
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  await page.goto(link, { waitUntil: 'load', timeout: 60_000 });
  // The UI is a single-page app: the route renders first, the workflow's data (fetched from the
  // server's HTTP API) later. Wait for every expected string in the rendered text, ignoring case:
  // the UI styles statuses in capitals (`RUNNING`), which `innerText` reports as shown.
  try {
    await page.waitForFunction(
      (want) => {
        const shown = document.body.innerText.toLowerCase();
        return want.every((s) => shown.includes(s.toLowerCase()));
      },
      expected,
      { timeout: 60_000, polling: 250 },
    );
    loaded = true;
  } catch {
    // Reported below through `loaded` and the text; the screenshot shows what was there.
  }
  await page.screenshot({ path: screenshot, fullPage: false });
  const text = await page.evaluate(() => document.body.innerText);
  console.log(
    JSON.stringify({ url: page.url(), title: await page.title(), text, waitedFor: expected, loaded }),
  );
} finally {
  await browser.close();
}
