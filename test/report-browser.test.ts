// report.html and compare.html in a real browser: Debian's chromium, driven by playwright-core
// (which never downloads a browser). Opened from file:// with the network refused: no console
// error, no failed request, nothing requested outside file://, each chart's SVG laid out with marks,
// every keyed number equal to the JSON's; a screenshot of the report goes to test-artifacts/.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';

import { chromium, type Browser, type Page } from 'playwright-core';

import { writeComparison } from '../lib/report/compare';
import { writeReport } from '../lib/report/write-report';
import { mismatch, type ShownNumber } from './helpers/report-keys';
import { sampleReport } from './helpers/sample-report';

const CHROMIUM = process.env.SER_TORCH_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const ARTIFACTS = path.join(__dirname, '..', 'test-artifacts');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ser-report-browser-'));
let browser: Browser;
let reportFile: string;
let compareFile: string;

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`chromium is not installed at ${CHROMIUM}: run scripts/setup.sh (it installs Debian's chromium, as CI does), or set SER_TORCH_CHROMIUM`);
  }
  const report = sampleReport();
  ({ html: reportFile } = await writeReport(report, path.join(tmp, 'report')));
  ({ html: compareFile } = await writeComparison(
    [
      { name: 'w2v2-L-robust', report },
      { name: 'hubert-L', report: sampleReport({ seed: 2, quality: 0.6, scatterPoints: 50 }) },
      { name: 'cnn14', report: { ...sampleReport({ seed: 3, quality: 0.4, scatterPoints: 50 }), robustness: null } },
    ],
    path.join(tmp, 'compare'),
  ));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, timeout: 30000 });
});

afterAll(async () => {
  await browser?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface Visit {
  page: Page;
  problems: string[];
  requests: string[];
}

/** Opens a page with every non-file:// request refused and every error or failure recorded. */
async function visit(file: string): Promise<Visit> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  const requests: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    return url.startsWith('file://') ? route.continue() : route.abort();
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`failed request: ${r.url()} (${r.failure()?.errorText})`));
  page.on('request', (r) => requests.push(r.url()));
  const response = await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  expect(response === null || response.ok()).toBe(true);
  return { page, problems, requests };
}

/** The few DOM members the page functions use (the test project compiles without the DOM library). */
interface El {
  getAttribute(name: string): string | null;
  querySelector(selector: string): El | null;
  querySelectorAll(selector: string): { length: number };
  getBoundingClientRect(): { width: number; height: number };
  textContent: string | null;
}

interface ChartState {
  id: string;
  svgs: number;
  width: number;
  height: number;
  marks: number;
}

function chartStates(page: Page): Promise<ChartState[]> {
  return page.$$eval('figure.chart-figure', (figures: El[]) =>
    figures.map((f) => {
      const svg = f.querySelector('.chart > svg');
      const box = svg?.getBoundingClientRect();
      return {
        id: f.getAttribute('data-chart') ?? '',
        svgs: f.querySelectorAll('svg').length,
        width: box?.width ?? 0,
        height: box?.height ?? 0,
        // Data marks only (Vega's role-mark groups), not axes, legends or backgrounds.
        marks: svg ? svg.querySelectorAll('g.role-mark > rect, g.role-mark > path, g.role-mark > circle, g.role-mark > line').length : 0,
      };
    }),
  );
}

function shown(page: Page): Promise<ShownNumber[]> {
  return page.$$eval('[data-key]', (cells: El[]) =>
    cells.map((c) => ({ key: c.getAttribute('data-key') ?? '', format: c.getAttribute('data-format') ?? '', text: (c.textContent ?? '').trim() })),
  );
}

async function expectPageSound(v: Visit, file: string, charts: string[], json: unknown, minNumbers: number): Promise<void> {
  const states = await chartStates(v.page);
  expect(states.map((s) => s.id)).toEqual(charts);
  for (const s of states) {
    expect({ id: s.id, svgs: s.svgs, drawn: s.width > 50 && s.height > 50, marks: s.marks > 0 }).toEqual({ id: s.id, svgs: 1, drawn: true, marks: true });
  }
  const numbers = await shown(v.page);
  expect(numbers.length).toBeGreaterThan(minNumbers);
  expect(numbers.map((n) => mismatch(json, n)).filter((x) => x !== null)).toEqual([]);
  expect(v.problems).toEqual([]);
  expect(v.requests).toEqual([pathToFileURL(file).href]);
}

test('report.html renders offline: charts with marks, numbers equal to report.json, no error or request', async () => {
  const v = await visit(reportFile);
  const json = JSON.parse(fs.readFileSync(path.join(path.dirname(reportFile), 'report.json'), 'utf8')) as unknown;
  await expectPageSound(
    v,
    reportFile,
    [
      'ccc',
      'robustness-delta',
      'robustness-stable',
      'fairness-gender',
      'fairness-speakers-0',
      'fairness-speakers-1',
      'scatter-0',
      'scatter-1',
      'scatter-2',
      'efficiency-latency',
      'efficiency-throughput',
      'efficiency-layers-ccc',
      'convergence',
    ],
    json,
    600,
  );
  // A heat map has a cell per condition, dimension and set: 11 x (3 + 3 + 1) with text labels.
  const cells = await v.page.$$eval('[data-chart="robustness-delta"] g.mark-rect.role-mark > path', (p: El[]) => p.length);
  expect(cells).toBe(77);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await v.page.screenshot({ path: path.join(ARTIFACTS, 'report.png'), fullPage: true });
  expect(fs.statSync(path.join(ARTIFACTS, 'report.png')).size).toBeGreaterThan(50_000);
  await v.page.context().close();
});

test('compare.html renders offline: a bar per model, numbers equal to compare.json, no error or request', async () => {
  const v = await visit(compareFile);
  const json = JSON.parse(fs.readFileSync(path.join(path.dirname(compareFile), 'compare.json'), 'utf8')) as unknown;
  await expectPageSound(
    v,
    compareFile,
    ['compare-ccc', 'compare-robustness', 'compare-stable', 'compare-gender-gap', 'compare-bias', 'compare-latency', 'compare-throughput'],
    json,
    150,
  );
  // CCC bars: 3 models x (2 full sets x 3 dimensions + MOSI's valence + 3 means) = 30.
  const bars = await v.page.$$eval('[data-chart="compare-ccc"] g.mark-rect.role-mark > path', (p: El[]) => p.length);
  expect(bars).toBe(30);
  await v.page.screenshot({ path: path.join(ARTIFACTS, 'compare.png'), fullPage: true });
  await v.page.context().close();
});
