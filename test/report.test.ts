// report.json / report.html / compare: what is written, that the page is self-contained, that every
// number shown is report.json's, sections without data, hostile names, reading a report back, the
// comparison's figures and the `ser-torch report` command. (The real-browser check is
// report-browser.test.ts.)
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { Command } from 'commander';

import { registerReportCommand } from '../lib/cli/report-command';
import { InputError, IoError } from '../lib/errors';
import { evenSample, MAX_SCATTER_POINTS } from '../lib/report/charts/scatter';
import { writeComparison } from '../lib/report/compare';
import { buildComparison, uniqueNames, type Comparison } from '../lib/report/comparison';
import { readReport } from '../lib/report/read-report';
import { prefixSvgIds } from '../lib/report/render-svg';
import type { Report } from '../lib/report/schema';
import { formatNumber } from '../lib/report/format';
import { comparisonHtml, reportHtml } from '../lib/report/render-page';
import { writeReport } from '../lib/report/write-report';
import * as api from '../lib/index';
import { mismatch, shownNumbers } from './helpers/report-keys';
import { sampleReport } from './helpers/sample-report';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ser-report-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The data-chart ids of a page, in order. */
function chartIds(html: string): string[] {
  return [...html.matchAll(/<figure class="chart-figure" data-chart="([^"]+)"/g)].map((m) => m[1]);
}

/** Every figure holds exactly one inline SVG with at least one data mark. */
function expectChartsDrawn(html: string): void {
  const figures = html.split('<figure class="chart-figure"').slice(1);
  for (const f of figures) {
    const svg = f.slice(0, f.indexOf('</figure>'));
    expect(svg.match(/<svg /g)).toHaveLength(1);
    expect(svg).toMatch(/class="mark-[a-z]+ role-mark[^"]*"[^>]*><(path|rect|circle|line)/);
  }
}

function expectNumbersMatch(html: string, json: unknown): number {
  const shown = shownNumbers(html);
  const wrong = shown.map((n) => mismatch(json, n)).filter((x) => x !== null);
  expect(wrong).toEqual([]);
  return shown.length;
}

const FULL_REPORT_CHARTS = [
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
];

describe('writeReport', () => {
  const report = sampleReport();
  let written: { json: string; html: string };
  let html: string;

  beforeAll(async () => {
    written = await writeReport(report, path.join(tmp, 'full'));
    html = fs.readFileSync(written.html, 'utf8');
  });

  test('writes report.json (the report as JSON) and report.html into the folder it creates', () => {
    expect(written).toEqual({ json: path.join(tmp, 'full', 'report.json'), html: path.join(tmp, 'full', 'report.html') });
    expect(JSON.parse(fs.readFileSync(written.json, 'utf8'))).toEqual(report);
    expect(fs.readdirSync(path.join(tmp, 'full')).sort()).toEqual(['report.html', 'report.json']);
  });

  test('the page is self-contained: no script, no external resource, a CSP that forbids loading', () => {
    expect(html).not.toMatch(/<script|<link|<iframe|<img|<object|@import|src=/i);
    // The only URLs are SVG/XLink namespace names, which a browser never fetches.
    const urls = [...html.matchAll(/\b(?:https?|ftp):\/\/[^\s"'<>)]+/g)].map((m) => m[0]);
    expect(new Set(urls)).toEqual(new Set(['http://www.w3.org/2000/svg', 'http://www.w3.org/1999/xlink']));
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">/);
    expect(html).toMatch(/<style>[^<]+<\/style>/);
  });

  test('every chart is drawn as SVG, with a heading, in the expected order', () => {
    expect(chartIds(html)).toEqual(FULL_REPORT_CHARTS);
    expectChartsDrawn(html);
    expect(html).toContain('<h3>ΔCCC under the paper&#39;s perturbations</h3>');
    expect(html).toContain('<h3>Per-speaker CCC on iemocap</h3>');
  });

  test('every number in the tables is report.json\'s value at its data-key', () => {
    const json = JSON.parse(fs.readFileSync(written.json, 'utf8')) as Report;
    const count = expectNumbersMatch(html, json);
    // CCC table, 11 + 8 conditions x 7 columns (+ perturbed CCC), speakers, efficiency, convergence, skipped...
    expect(count).toBeGreaterThan(600);
    const keys = new Set(shownNumbers(html).map((n) => n.key));
    for (const key of ['/sets/0/ccc/valence', '/meanOverSets/cccMean', '/robustness/results/0/delta/arousal', '/sets/1/fairness/genderGap/dominance',
      '/sets/1/fairness/bias/valence', '/sets/0/fairness/bySpeaker/spk-03/bootstrap/valence/high', '/efficiency/rows/1/latency/2/p95Ms',
      '/efficiency/rows/0/throughput/audioSecondsPerSecond', '/convergence/points/9/devCccMean', '/skipped/2/line', '/model/parameters', '/sets/2/labelRange/0']) {
      expect(keys).toContain(key);
    }
  });

  test('the header names the model, software, sets and seeds; skipped files are listed with reasons', () => {
    for (const text of ['w2v2-L-robust', 'Wav2Vec2ForSpeechClassification', '1.13.1', 'v20.20.2', '2026-05-04T10:11:12.000Z', 'sentiment → valence', 'msp/test.csv']) {
      expect(html).toContain(text);
    }
    expect(html).toContain('AudioError: truncated data chunk');
    expect(html).toContain('iemocap/Session3/Ses03F_impro02_F011.wav');
  });

  test('no chart has a compiler or renderer warning', async () => {
    const { warnings } = await reportHtml(report);
    expect(warnings).toEqual([]);
  });
});

describe('report.html for partial and hostile reports', () => {
  test('sections without data are omitted with a one-line note; NaN is written as null and shown as –', async () => {
    const r = sampleReport({ scatterPoints: 40 });
    r.robustness = null;
    r.efficiency = null;
    r.convergence = null;
    r.skipped = [];
    for (const s of r.sets) s.fairness = null;
    r.sets[2].ccc.valence = NaN;
    r.sets[2].cccMean = NaN;
    const out = await writeReport(r, path.join(tmp, 'partial'));
    const html = fs.readFileSync(out.html, 'utf8');
    const json = JSON.parse(fs.readFileSync(out.json, 'utf8')) as Report;
    expect(fs.readFileSync(out.json, 'utf8')).not.toMatch(/NaN|Infinity/);
    expect(json.sets[2].ccc.valence).toBeNull();
    expect(chartIds(html)).toEqual(['ccc', 'scatter-0', 'scatter-1', 'scatter-2']);
    expectChartsDrawn(html);
    for (const note of [
      'Robustness was not evaluated (no robustness option).',
      'Fairness was not evaluated (no fairness option).',
      'Efficiency was not measured (no efficiency option).',
      'No training run was given, so there is no convergence curve.',
      'No file was skipped: every row was decoded and scored.',
    ]) {
      expect(html).toContain(`<p class="omitted">${note}</p>`);
    }
    expect(html).toContain('data-key="/sets/2/ccc/valence" data-format="fixed3">–</td>');
    expectNumbersMatch(html, json);
  });

  test('built-in noise is said so; names with markup are escaped and keys with / ~ . stay exact', async () => {
    const r = sampleReport({ scatterPoints: 30 });
    r.model.name = '<img src=x onerror=alert(1)>';
    r.sets[0].name = 'set <b>one</b>';
    const rob = r.robustness as NonNullable<Report['robustness']>;
    rob.noise = { source: 'builtin', folder: null, classes: ['babble', 'pink', 'white'] };
    for (const x of [...rob.results, ...rob.summary]) if (x.set === 'msp-test') x.set = 'set <b>one</b>';
    const f = r.sets[0].fairness as NonNullable<Report['sets'][0]['fairness']>;
    f.bySpeaker = { 'a/b~c.d': f.bySpeaker['spk-01'] };
    const out = await writeReport(r, path.join(tmp, 'hostile'));
    const html = fs.readFileSync(out.html, 'utf8');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>one</b>');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain("built-in generated noise classes (babble, pink, white), not recorded noise");
    expect(html).toContain('data-key="/sets/0/fairness/bySpeaker/a~1b~0c.d/n"');
    expectNumbersMatch(html, JSON.parse(fs.readFileSync(out.json, 'utf8')));
  });

  test('large sets are thinned to an even sample in the scatter; the SVG has that many points', async () => {
    const r = sampleReport({ scatterPoints: 1700 });
    r.sets = r.sets.slice(2);
    r.robustness = null;
    r.efficiency = null;
    r.convergence = null;
    const { html } = await reportHtml(r);
    const figure = html.slice(html.indexOf('data-chart="scatter-0"'));
    const svg = figure.slice(0, figure.indexOf('</svg>'));
    const marks = svg.slice(svg.indexOf('class="mark-symbol role-mark'));
    expect(marks.slice(0, marks.indexOf('</g>')).match(/<path /g)).toHaveLength(MAX_SCATTER_POINTS);
    expect(evenSample(10, 4)).toEqual([0, 2, 5, 7]);
    expect(evenSample(3, 4)).toEqual([0, 1, 2]);
  });

  test('wrong arguments are InputErrors naming the call and the field', async () => {
    await expect(writeReport(sampleReport(), '')).rejects.toThrow(new InputError("writeReport: 'outDir' must be a non-empty string, got string"));
    await expect(writeReport(null as unknown as Report, tmp)).rejects.toThrow(/^writeReport: 'report' must be the object evaluate\(\) returns, got null$/);
    const bad = sampleReport({ scatterPoints: 5 });
    (bad.sets[1] as unknown as Record<string, unknown>).n = 'many';
    await expect(writeReport(bad, tmp)).rejects.toThrow(new InputError('writeReport: \'sets.1.n\' must be a finite number, got "many"'));
    const blocked = path.join(tmp, 'a-file');
    fs.writeFileSync(blocked, '');
    await expect(writeReport(sampleReport({ scatterPoints: 5 }), path.join(blocked, 'sub'))).rejects.toThrow(IoError);
  });

  test('numbers: three decimals (no "-0.000"), whole numbers with commas, null as –', () => {
    expect([formatNumber(0.12345), formatNumber(-0.0004), formatNumber(-0.0006), formatNumber(null), formatNumber(NaN)]).toEqual(['0.123', '0.000', '-0.001', '–', '–']);
    expect([formatNumber(94568963, 'int'), formatNumber(0.5, 'plain'), formatNumber(-3, 'plain')]).toEqual(['94,568,963', '0.5', '-3']);
  });

  test('each SVG\'s ids get the chart\'s prefix, and so do the references to them', () => {
    const svg = '<svg><defs><clipPath id="clip1"><rect/></clipPath><linearGradient id="g.1"/></defs><g clip-path="url(#clip1)" fill="url(#g.1)"><use href="#clip1"/></g></svg>';
    expect(prefixSvgIds(svg, 'c-')).toBe(
      '<svg><defs><clipPath id="c-clip1"><rect/></clipPath><linearGradient id="c-g.1"/></defs><g clip-path="url(#c-clip1)" fill="url(#c-g.1)"><use href="#c-clip1"/></g></svg>',
    );
  });
});

describe('readReport', () => {
  const file = path.join(tmp, 'read', 'report.json');
  beforeAll(() => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
  });
  const write = (value: unknown): string => {
    fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
    return file;
  };

  test('reads back what writeReport wrote', async () => {
    const r = sampleReport({ scatterPoints: 20 });
    await expect(readReport(write(r))).resolves.toEqual(r);
  });

  test.each<[string, unknown, string]>([
    ['another schema', { ...sampleReport({ scatterPoints: 2 }), schema: 'x/y' }, `not a ser-torch report ('schema' is "x/y", expected "ser-torch/report")`],
    ['another version', { ...sampleReport({ scatterPoints: 2 }), version: 2 }, 'report version 2 is not one this ser-torch reads (version 1)'],
    ['an array', [1, 2], "'the report' must be an object, got an array"],
    ['a bad score', (() => { const r = sampleReport({ scatterPoints: 2 }); (r.sets[0].ccc as Record<string, unknown>).valence = 'high'; return r; })(), `'sets.0.ccc.valence' must be a finite number, got "high"`],
    ['an unknown dimension', (() => { const r = sampleReport({ scatterPoints: 2 }); (r.meanOverSets.ccc as Record<string, unknown>).joy = 0.5; return r; })(), "'meanOverSets.ccc.joy' must be a dimension (arousal, dominance, valence), got \"joy\""],
    ['uneven scatter', (() => { const r = sampleReport({ scatterPoints: 3 }); r.sets[1].scatter.arousal?.pred.pop(); return r; })(), "'sets.1.scatter.arousal.pred' must be as long as gold (3), got \"2 values\""],
    ['a missing section', (() => { const r = sampleReport({ scatterPoints: 2 }) as unknown as Record<string, unknown>; delete r.efficiency; return r; })(), "'efficiency' must be an object, got undefined"],
  ])('%s is an InputError naming the file and what is wrong', async (_name, value, message) => {
    await expect(readReport(write(value))).rejects.toThrow(new InputError(`${file}: ${message}`));
  });

  test('a file that is not JSON is an InputError, a missing file an IoError, both naming it', async () => {
    await expect(readReport(write('{"schema": '))).rejects.toThrow(InputError);
    await expect(readReport(file)).rejects.toThrow(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not JSON`));
    const missing = path.join(tmp, 'nope', 'report.json');
    await expect(readReport(missing)).rejects.toThrow(IoError);
    await expect(readReport(missing)).rejects.toThrow(`cannot read report ${missing}`);
  });
});

describe('writeComparison', () => {
  const models = [
    { name: 'w2v2-L-robust', report: sampleReport({ seed: 1, scatterPoints: 50 }) },
    { name: 'hubert-L', report: sampleReport({ seed: 2, quality: 0.6, scatterPoints: 50 }) },
    { name: 'cnn14', report: { ...sampleReport({ seed: 3, quality: 0.4, scatterPoints: 50 }), robustness: null, efficiency: null } },
  ];
  let written: { json: string; html: string };
  let html: string;
  let json: Comparison;

  beforeAll(async () => {
    written = await writeComparison(models, path.join(tmp, 'compare'));
    html = fs.readFileSync(written.html, 'utf8');
    json = JSON.parse(fs.readFileSync(written.json, 'utf8')) as Comparison;
  });

  test('compare.json holds every model, its report without scatter points, and the suite means', () => {
    expect(json.schema).toBe('ser-torch/comparison');
    expect(json.version).toBe(1);
    expect(json.models.map((m) => m.name)).toEqual(['w2v2-L-robust', 'hubert-L', 'cnn14']);
    expect(json.models[1].report.sets.map((s) => s.scatter)).toEqual([{}, {}, {}]);
    expect(json.models[1].report.sets[0].ccc).toEqual(models[1].report.sets[0].ccc);
    expect(json.models[2].robustness).toBeNull();
    // The paper suite's mean: per dimension, the mean over the sets of each set's mean ΔCCC.
    const summary = models[0].report.robustness?.summary.filter((s) => s.suite === 'paper') ?? [];
    const arousal = summary.filter((s) => s.mean.arousal !== undefined).map((s) => s.mean.arousal as number);
    const valence = summary.map((s) => s.mean.valence as number);
    const paper = json.models[0].robustness?.paper;
    expect(paper?.mean.arousal).toBeCloseTo(arousal.reduce((a, b) => a + b) / arousal.length, 12);
    expect(paper?.mean.valence).toBeCloseTo(valence.reduce((a, b) => a + b) / 3, 12);
    const dims = Object.values(paper?.mean ?? {}) as number[];
    expect(paper?.overall).toBeCloseTo(dims.reduce((a, b) => a + b) / dims.length, 12);
  });

  test("compare.html: the paper's figures with a bar per model, every number compare.json's", async () => {
    expect(chartIds(html)).toEqual(['compare-ccc', 'compare-robustness', 'compare-stable', 'compare-gender-gap', 'compare-bias', 'compare-latency', 'compare-throughput']);
    expectChartsDrawn(html);
    expect(expectNumbersMatch(html, json)).toBeGreaterThan(150);
    expect(html).toContain('No robustness results for cnn14.');
    expect(html).toContain('No efficiency measurements for cnn14.');
    const keys = new Set(shownNumbers(html).map((n) => n.key));
    for (const key of ['/models/2/report/sets/1/ccc/dominance', '/models/0/robustness/paper/overall', '/models/1/robustness/preprint/mean/valence',
      '/models/2/report/sets/0/fairness/genderGap/arousal', '/models/1/report/sets/1/fairness/bias/valence', '/models/1/report/efficiency/rows/1/latency/0/p50Ms']) {
      expect(keys).toContain(key);
    }
    const { warnings } = await comparisonHtml(buildComparison(models));
    expect(warnings).toEqual([]);
  });

  test('names must be unique and the reports valid', async () => {
    await expect(writeComparison([], tmp)).rejects.toThrow(/^writeComparison: 'reports' must be a non-empty array/);
    await expect(writeComparison([models[0], { ...models[1], name: 'w2v2-L-robust' }], tmp)).rejects.toThrow(
      new InputError("writeComparison: two reports are named 'w2v2-L-robust' (names label the rows and bars; make them unique)"),
    );
    const broken = { name: 'broken', report: { ...models[1].report, version: 3 } as unknown as Report };
    await expect(writeComparison([models[0], broken], tmp)).rejects.toThrow("writeComparison: reports[1] ('broken'): report version 3 is not one this ser-torch reads");
    expect(uniqueNames(['a', 'b', 'a', 'a (2)', 'a'])).toEqual(['a', 'b', 'a (2)', 'a (2) (2)', 'a (3)']);
  });
});

describe('ser-torch report', () => {
  function program(): Command {
    const p = new Command().exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
    registerReportCommand(p);
    return p;
  }

  test('compares report.json files (or their folders) into --out, names from the reports, de-duplicated', async () => {
    const a = sampleReport({ seed: 4, scatterPoints: 20 });
    const b = sampleReport({ seed: 5, scatterPoints: 20 });
    const dirs = [path.join(tmp, 'cli-a'), path.join(tmp, 'cli-b')];
    fs.mkdirSync(dirs[0], { recursive: true });
    fs.mkdirSync(dirs[1], { recursive: true });
    fs.writeFileSync(path.join(dirs[0], 'report.json'), JSON.stringify(a));
    fs.writeFileSync(path.join(dirs[1], 'report.json'), JSON.stringify(b));
    const out = path.join(tmp, 'cli-out');
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    let printed: unknown[][];
    try {
      await program().parseAsync(['report', path.join(dirs[0], 'report.json'), dirs[1], '--out', out], { from: 'user' });
    } finally {
      printed = log.mock.calls.slice();
      log.mockRestore();
    }
    expect(printed).toEqual([[path.join(out, 'compare.html')], [path.join(out, 'compare.json')]]);
    const json = JSON.parse(fs.readFileSync(path.join(out, 'compare.json'), 'utf8')) as Comparison;
    expect(json.models.map((m) => m.name)).toEqual(['w2v2-L-robust', 'w2v2-L-robust (2)']);
    expect(json.models[1].report.sets[0].ccc).toEqual(b.sets[0].ccc);
  });

  test('a file that is not a report fails with an InputError naming it; --out is required', async () => {
    const bad = path.join(tmp, 'not-a-report.json');
    fs.writeFileSync(bad, JSON.stringify({ hello: 1 }));
    await expect(program().parseAsync(['report', bad, '--out', tmp], { from: 'user' })).rejects.toThrow(
      new InputError(`${bad}: not a ser-torch report ('schema' is undefined, expected "ser-torch/report")`),
    );
    await expect(program().parseAsync(['report', bad], { from: 'user' })).rejects.toThrow(/required option '--out <dir>' not specified/);
  });
});

test('the package exports the report API', () => {
  expect(typeof api.writeReport).toBe('function');
  expect(typeof api.readReport).toBe('function');
  expect(typeof api.writeComparison).toBe('function');
  expect(api.uniqueNames(['x', 'x'])).toEqual(['x', 'x (2)']);
  expect(api.COMPARISON_SCHEMA).toBe('ser-torch/comparison');
});
