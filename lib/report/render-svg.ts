// Vega-Lite specs → SVG strings, rendered in Node at report time so the page needs no script.
//
// vega and vega-lite (6.x) are ESM-only, and this package is CommonJS: tsc turns `import()` into
// `require()`, and jest's module sandbox cannot import ESM at all. A worker thread runs outside both,
// so it loads them with a real `import()` (from the paths resolved here) — and the rendering, which
// takes a while for big pages, stays off the caller's event loop.
import { createRequire } from 'module';
import { pathToFileURL } from 'url';
import { Worker } from 'worker_threads';

import type { ChartSpec } from './charts/common';

export interface RenderedChart {
  svg: string;
  /** What Vega-Lite's compiler and Vega's runtime warned about (a correct chart has none). */
  warnings: string[];
}

interface WorkerReply {
  ok: boolean;
  charts?: RenderedChart[];
  error?: string;
}

// Plain JavaScript: a worker started with `eval: true` runs it as CommonJS with require().
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
function collector(list) {
  let level = 2;
  const push = (kind) => (...args) => { list.push(kind + ': ' + args.map(String).join(' ')); return logger; };
  const logger = {
    level(l) { if (arguments.length) { level = l; return logger; } return level; },
    error: push('error'), warn: push('warning'), info() { return logger; }, debug() { return logger; },
  };
  return logger;
}
// The specs hold their data inline; a chart that asks to load anything is refused.
const refuse = () => Promise.reject(new Error('report charts load nothing'));
const noLoading = { load: refuse, sanitize: refuse, http: refuse, file: refuse };
(async () => {
  const vega = await import(workerData.vega);
  const vl = await import(workerData.vegaLite);
  const charts = [];
  for (const spec of workerData.specs) {
    const warnings = [];
    const logger = collector(warnings);
    const compiled = vl.compile(spec, { logger }).spec;
    const view = new vega.View(vega.parse(compiled), { renderer: 'none', logger, loader: noLoading });
    const svg = await view.toSVG();
    view.finalize();
    charts.push({ svg, warnings });
  }
  parentPort.postMessage({ ok: true, charts });
})().catch((e) => parentPort.postMessage({ ok: false, error: e && e.stack ? e.stack : String(e) }));
`;

function moduleUrl(name: string): string {
  return pathToFileURL(createRequire(__filename).resolve(name)).href;
}

/** Renders every spec in one worker; the SVGs come back in the specs' order. */
export function renderSvgs(specs: ChartSpec[]): Promise<RenderedChart[]> {
  if (specs.length === 0) return Promise.resolve([]);
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { specs, vega: moduleUrl('vega'), vegaLite: moduleUrl('vega-lite') },
    });
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      fn();
      void worker.terminate();
    };
    worker.once('message', (reply: WorkerReply) =>
      settle(() => (reply.ok && reply.charts ? resolve(reply.charts) : reject(new Error(`ser-torch report: rendering the charts failed: ${reply.error}`)))),
    );
    worker.once('error', (error) => settle(() => reject(new Error(`ser-torch report: the chart worker failed: ${error.message}`, { cause: error }))));
    worker.once('exit', (code) => settle(() => reject(new Error(`ser-torch report: the chart worker exited (code ${code}) before it answered`))));
  });
}

/**
 * Gives every id in one chart's SVG (clip paths, gradients) a prefix, so several charts inlined in
 * one page cannot point at each other's definitions.
 */
export function prefixSvgIds(svg: string, prefix: string): string {
  const ids = new Set([...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
  if (ids.size === 0) return svg;
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const alt = [...ids].map(esc).join('|');
  return svg
    .replace(new RegExp(`(\\sid=")(${alt})"`, 'g'), `$1${prefix}$2"`)
    .replace(new RegExp(`url\\(#(${alt})\\)`, 'g'), `url(#${prefix}$1)`)
    .replace(new RegExp(`(href=")#(${alt})"`, 'g'), `$1#${prefix}$2"`);
}
