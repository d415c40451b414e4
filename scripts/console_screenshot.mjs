// node scripts/console_screenshot.mjs URL OUT.png [WIDTH] [HEIGHT]: a screenshot of a
// running `evpipe console` in Debian's headless Chromium (how docs/console.png
// is made). Waits for the page's first data and two lag samples.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const [url, out, width = '1400', height = ''] = process.argv.slice(2);
if (!url || !out) {
  console.error('usage: node scripts/console_screenshot.mjs URL OUT.png [WIDTH] [HEIGHT (default: the whole page)]');
  process.exit(2);
}
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { chromium } = createRequire(path.join(root, 'tests/node/package.json'))('playwright-core');
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'evpipe-screenshot-'));
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium', headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: Number(width), height: 900 }, deviceScaleFactor: 1, timeout: 30000,
});
try {
  const page = browser.pages()[0] || await browser.newPage();
  await page.goto(url, { timeout: 15000 });
  await page.waitForSelector('body[data-ready="1"]', { timeout: 30000 });
  await page.waitForTimeout(4500);  // a few lag samples for the chart
  await page.evaluate(() => window.scrollTo(0, 0));
  const clip = height ? { x: 0, y: 0, width: Number(width), height: Number(height) } : undefined;
  await page.screenshot({ path: out, fullPage: true, clip });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
