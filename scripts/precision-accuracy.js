'use strict';
// The accuracy cost of each precision, measured (README "Precision" holds its output):
//  1. max |output - reference| on every parity fixture (test/fixtures: torchaudio / PyTorch
//     references, which float32 matches within 1e-4), absolute and as a share of the largest value;
//  2. test CCC of the demo's trained model in fp32, bf16 and int8, and its difference from fp32.
//
//   node scripts/precision-accuracy.js [--demo DIR]   (DIR: a `ser-torch demo --out DIR` folder;
//                                                      without it the demo runs first, ~3 min)
// Needs the built package (npm run build).
const fs = require('fs');
const os = require('os');
const path = require('path');
const ser = require('..');
const { runDemo } = require('../dist/lib/demo');

const FIXTURES = path.join(__dirname, '..', 'test', 'fixtures');
const PRECISIONS = ['fp32', 'bf16', 'int8'];

function maxDiff(got, want) {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return { diff, scale };
}

/** Worst absolute and relative error over a fixture's outputs for one precision. */
async function fixtureError(dir, inputs, outputs, precision) {
  const model = await ser.loadModel(dir, { precision });
  try {
    let worst = 0;
    let worstRel = 0;
    const note = (got, want) => {
      const { diff, scale } = maxDiff(got, want);
      worst = Math.max(worst, diff);
      worstRel = Math.max(worstRel, diff / Math.max(scale, 1e-6));
    };
    for (const batchSize of [1, 64]) {
      const pooled = await model.embed(inputs, { batchSize });
      const hidden = await model.hiddenStates(inputs, { batchSize });
      const preds = model.info.hasHead ? await model.predict(inputs, { batchSize }) : null;
      outputs.forEach((want, i) => {
        note(pooled[i], want.last_hidden_state ? want.pooled : want.embedding);
        if (want.last_hidden_state) note(hidden[i].data, want.last_hidden_state);
        if (preds && want.logits) note([preds[i].arousal, preds[i].dominance, preds[i].valence], want.logits);
      });
    }
    return { worst, worstRel };
  } finally {
    model.dispose();
  }
}

function fixtureCases() {
  const models = path.join(FIXTURES, 'models');
  const cases = fs.readdirSync(models).filter((d) => fs.existsSync(path.join(models, d, 'expected.json'))).sort()
    .map((name) => {
      const e = JSON.parse(fs.readFileSync(path.join(models, name, 'expected.json'), 'utf8'));
      return { name, dir: path.join(models, name), inputs: e.inputs.map((x) => Float32Array.from(x)), outputs: e.outputs };
    });
  const cnn = path.join(FIXTURES, 'cnn14');
  const read = (f) => JSON.parse(fs.readFileSync(path.join(cnn, f), 'utf8'));
  cases.push({
    name: 'cnn14',
    dir: path.join(cnn, 'model'),
    inputs: read('logmel.json').inputs.map((x) => Float32Array.from(x)),
    outputs: read('expected.json').cases,
  });
  return cases;
}

async function demoCcc(demoDir) {
  const modelDir = path.join(demoDir, 'run', 'best');
  const manifest = path.join(demoDir, 'corpus', 'test.csv');
  const rows = {};
  for (const precision of PRECISIONS) {
    const r = await ser.evaluate(modelDir, manifest, { labelRange: 'msp-podcast', precision });
    rows[precision] = r.ccc;
  }
  return rows;
}

async function main() {
  const args = process.argv.slice(2);
  let demoDir = args[0] === '--demo' ? args[1] : null;
  const i = ser.info();
  console.log(`# ${new Date().toISOString().slice(0, 10)}, ${i.cpu.model}, libtorch ${i.torchVersion}, ` +
    `bf16 ${i.cpu.bf16}, int8 ${i.cpu.int8}, engines ${i.quantizedEngines.join('/')}\n`);
  console.log('| fixture | ' + PRECISIONS.map((p) => `${p} max abs (rel)`).join(' | ') + ' |');
  console.log('| --- | ' + PRECISIONS.map(() => '---').join(' | ') + ' |');
  for (const c of fixtureCases()) {
    const cells = [];
    for (const p of PRECISIONS) {
      const { worst, worstRel } = await fixtureError(c.dir, c.inputs, c.outputs, p);
      cells.push(`${worst.toExponential(1)} (${(100 * worstRel).toFixed(2)} %)`);
    }
    console.log(`| ${c.name} | ${cells.join(' | ')} |`);
  }
  if (!demoDir) {
    demoDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ser-precision-demo-'));
    console.error(`running the demo in ${demoDir}`);
    await runDemo({ outDir: demoDir });
  }
  const ccc = await demoCcc(demoDir);
  const dims = Object.keys(ccc.fp32);
  console.log('\n| demo test CCC | ' + dims.join(' | ') + ' | max |Δ| vs fp32 |');
  console.log('| --- | ' + dims.map(() => '---').join(' | ') + ' | --- |');
  for (const p of PRECISIONS) {
    const delta = Math.max(...dims.map((d) => Math.abs(ccc[p][d] - ccc.fp32[d])));
    console.log(`| ${p} | ${dims.map((d) => ccc[p][d].toFixed(4)).join(' | ')} | ${delta.toFixed(4)} |`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
