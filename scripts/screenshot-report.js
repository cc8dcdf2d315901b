'use strict';
// Renders the top of a report.html in Debian's chromium (playwright-core, never a downloaded
// browser) to a PNG, for the README: node scripts/screenshot-report.js <report.html> <out.png>
const path = require('path');
const { chromium } = require('playwright-core');

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];

async function main() {
  const [html, out] = process.argv.slice(2);
  if (!html || !out) throw new Error('usage: node scripts/screenshot-report.js <report.html> <out.png>');
  const browser = await chromium.launch({ executablePath: process.env.SER_TORCH_CHROMIUM ?? '/usr/bin/chromium', args: FLAGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 1500 } });
    await page.goto(`file://${path.resolve(html)}`);
    await page.screenshot({ path: out, clip: { x: 0, y: 0, width: 1100, height: 1500 } });
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  console.error(e.message);
  process.exitCode = 1;
});
