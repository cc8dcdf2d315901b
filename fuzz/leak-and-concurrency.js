#!/usr/bin/env node
'use strict';
// Issue 11's leak and concurrency figures, measured again and printed:
//   RSS growth over N predicts and over M load/dispose cycles (after a warm-up),
//   how long the process takes to exit after its last call,
//   8 concurrent callers, two models at once and predicts beside a training run against
//   sequential runs (max |difference|, expected 0).
//   node --expose-gc fuzz/leak-and-concurrency.js [--predicts 1000] [--cycles 100]
require('./lib/ts-cache');
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const ser = require('../lib/index.ts');
const { corpusDir } = require('./lib/targets');

const fixtures = path.join(__dirname, '..', 'test', 'fixtures', 'models');
const modelA = path.join(fixtures, 'w2v2_preln_layer_head');
const modelB = path.join(__dirname, 'corpus', 'model', 'tiny'); // the only other model with an emotion head

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const rssMb = () => process.memoryUsage().rss / 2 ** 20;
const settle = async () => {
  if (global.gc) global.gc();
  await new Promise((r) => setTimeout(r, 200));
};
const clip = (seed, seconds = 1) => new Float32Array(16000 * seconds).map((_, i) => 0.3 * Math.sin((i * (seed + 3)) / 50));
const flat = (preds) => preds.flatMap((p) => Object.values(p));
const maxDiff = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

async function predictGrowth(n) {
  const m = await ser.loadModel(modelA);
  const input = [clip(1)];
  for (let i = 0; i < 200; i++) await m.predict(input); // warm-up: allocator arenas and caches fill first
  await settle();
  const before = rssMb();
  for (let i = 0; i < n; i++) await m.predict(input);
  await settle();
  const after = rssMb();
  m.dispose();
  return { before, after, growthPct: (100 * (after - before)) / before };
}

async function loadGrowth(cycles) {
  const cycle = async () => {
    const m = await ser.loadModel(modelA);
    await m.predict([clip(2)]);
    m.dispose();
  };
  // Warm-up: RSS climbs ~13 MB over the first ~120 cycles (allocator arenas, V8's external
  // memory: 4 -> 14 MB), then stays flat (+0.3 % over the next 500); growth after that is a leak.
  for (let i = 0; i < 150; i++) await cycle();
  await settle();
  const before = rssMb();
  for (let i = 0; i < cycles; i++) await cycle();
  await settle();
  const after = rssMb();
  return { before, after, growthPct: (100 * (after - before)) / before };
}

function exitDelay() {
  const script = `
    require(${JSON.stringify(path.join(__dirname, 'lib', 'ts-cache.js'))});
    const { loadModel } = require(${JSON.stringify(path.join(__dirname, '..', 'lib', 'index.ts'))});
    loadModel(${JSON.stringify(modelA)}).then(async (m) => { await m.predict([new Float32Array(16000).fill(0.1)]); process.stdout.write(String(Date.now())); });
  `;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
  return Date.now() - Number(r.stdout);
}

async function concurrency() {
  const a = await ser.loadModel(modelA);
  const b = await ser.loadModel(modelB);
  const inputs = Array.from({ length: 8 }, (_, i) => [clip(i, 1 + (i % 3))]);
  const seqA = [];
  for (const x of inputs) seqA.push(...flat(await a.predict(x)));
  const seqB = [];
  for (const x of inputs) seqB.push(...flat(await b.predict(x)));
  const conc = (await Promise.all(inputs.map((x) => a.predict(x)))).flatMap(flat);
  const both = await Promise.all([Promise.all(inputs.map((x) => a.predict(x))), Promise.all(inputs.map((x) => b.predict(x)))]);
  // predicts beside a training run (a tiny model on the corpus manifest)
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ser-leak-train-'));
  const manifest = path.join(corpusDir, 'manifest', 'rows.csv');
  const run = ser.train({ model: path.join(corpusDir, 'model', 'tiny'), train: manifest, dev: manifest, outDir, epochs: 3, batchSize: 2, maxClipSeconds: 0 });
  const beside = [];
  for (const x of inputs) beside.push(...flat(await a.predict(x)));
  await run;
  a.dispose();
  b.dispose();
  return {
    concurrentVsSequential: maxDiff(conc, seqA),
    twoModelsVsSequential: Math.max(maxDiff(both[0].flatMap(flat), seqA), maxDiff(both[1].flatMap(flat), seqB)),
    besideTrainingVsSequential: maxDiff(beside, seqA),
  };
}

async function main() {
  const predicts = arg('--predicts', 1000);
  const cycles = arg('--cycles', 100);
  const p = await predictGrowth(predicts);
  console.log(`RSS over ${predicts} predicts: ${p.before.toFixed(1)} -> ${p.after.toFixed(1)} MB (${p.growthPct.toFixed(2)} %)`);
  const l = await loadGrowth(cycles);
  console.log(`RSS over ${cycles} load/predict/dispose cycles: ${l.before.toFixed(1)} -> ${l.after.toFixed(1)} MB (${l.growthPct.toFixed(2)} %)`);
  console.log(`exit after the last call: ${exitDelay()} ms`);
  const c = await concurrency();
  console.log(`8 concurrent callers vs sequential: max |diff| ${c.concurrentVsSequential}`);
  console.log(`two models at once vs sequential: max |diff| ${c.twoModelsVsSequential}`);
  console.log(`predicts beside train() vs sequential: max |diff| ${c.besideTrainingVsSequential}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
