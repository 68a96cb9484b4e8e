// Run by tests/e2e/lifecycle/links.rs: plays an artifact link in a `<video>` element of Debian's
// Chromium (headless, driven by playwright-core), seeks to the middle and reports, as one JSON
// object, what the element and the network saw:
//   {duration, target, currentTime, readyState, seeked, error, responses: [{status, range,
//    contentRange, contentType}]}
// The Rust test decides pass or fail on it.
//
// Environment: MEETFLOW_VIDEO_LINK (the artifact link), MEETFLOW_CHROMIUM (see chromium.mjs).
import assert from 'node:assert/strict';
import { launchChromium } from './chromium.mjs';

const link = process.env.MEETFLOW_VIDEO_LINK;
assert.ok(link, 'MEETFLOW_VIDEO_LINK must be set (tests/e2e/lifecycle/links.rs sets it)');

const browser = await launchChromium();
try {
  const page = await browser.newPage();
  const responses = [];
  page.on('response', (r) => {
    if (r.url() === link) {
      responses.push({
        status: r.status(),
        range: r.request().headers()['range'] ?? null,
        contentRange: r.headers()['content-range'] ?? null,
        contentType: r.headers()['content-type'] ?? null,
      });
    }
  });
  await page.setContent('<video id="v" muted preload="auto"></video>');
  const seen = await page.evaluate(async (src) => {
    const v = document.getElementById('v');
    const event = (name) =>
      new Promise((resolve, reject) => {
        v.addEventListener(name, resolve, { once: true });
        v.addEventListener('error', () => reject(new Error(`media error ${v.error?.code}: ${v.error?.message}`)), { once: true });
      });
    const deadline = (ms, what) => new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), ms));
    try {
      const metadata = event('loadedmetadata');
      v.src = src;
      await Promise.race([metadata, deadline(30_000, 'loadedmetadata')]);
      const target = v.duration / 2;
      const seeked = event('seeked');
      v.currentTime = target;
      await Promise.race([seeked, deadline(30_000, 'seeked')]);
      // HAVE_CURRENT_DATA: a frame at the new position is decoded.
      const start = Date.now();
      while (v.readyState < 2 && Date.now() - start < 10_000) {
        await new Promise((r) => setTimeout(r, 50));
      }
      return { duration: v.duration, target, currentTime: v.currentTime, readyState: v.readyState, seeked: true, error: null };
    } catch (e) {
      return { duration: v.duration, target: null, currentTime: v.currentTime, readyState: v.readyState, seeked: false, error: String(e) };
    }
  }, link);
  console.log(JSON.stringify({ ...seen, responses }));
} finally {
  await browser.close();
}
