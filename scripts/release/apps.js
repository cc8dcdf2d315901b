'use strict';
// Two fresh downstream apps, as a user would write them: an ES module app in strict TypeScript
// (NodeNext) and a plain CommonJS app. Each reads smoke.json (model folder, a WAV, samples and the
// logits the reference implementation gives for them), predicts, and prints one JSON line.
const fs = require('fs');
const path = require('path');

const ESM_MAIN = `import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import ser, { info, loadModel, SerError, type Prediction } from 'ser-torch';

interface Smoke { modelDir: string; wav: string; samples: number[]; logits: number[] }
const smoke = JSON.parse(readFileSync(process.argv[2], 'utf8')) as Smoke;

// Never called: compiles only while the option types are real (not any).
export const typeCheck = () => {
  // @ts-expect-error device is a Device, not a number
  void loadModel(smoke.modelDir, { device: 42 });
};

const model = await loadModel(smoke.modelDir);
let fromSamples: Prediction;
try {
  [fromSamples] = await model.predict(Float32Array.from(smoke.samples));
  const got = model.labels.map((l) => (fromSamples as Record<string, number>)[l]);
  const worst = Math.max(...got.map((v, i) => Math.abs(v - smoke.logits[i])));
  if (!(worst < 1e-4)) throw new Error(\`predict is \${worst} from the reference\`);
  const [fromFile] = await model.predict(smoke.wav);
  if (!Object.values(fromFile).every(Number.isFinite)) throw new Error('non-finite prediction for the WAV');
} finally {
  model.dispose();
}
// One addon instance whether the package is imported or required.
const required = createRequire(import.meta.url)('ser-torch') as typeof ser;
if (required.loadModel !== loadModel || ser.loadModel !== loadModel) throw new Error('import and require give two copies');
const err: unknown = await loadModel('/nonexistent-model-folder').catch((e: unknown) => e);
if (!(err instanceof SerError)) throw new Error(\`a missing model gave \${String(err)}, not a SerError\`);
console.log(JSON.stringify({ ok: true, app: 'esm', torch: info().torchVersion, prediction: fromSamples }));
`;

const CJS_MAIN = `'use strict';
const fs = require('fs');
const ser = require('ser-torch');

async function main() {
  const smoke = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const model = await ser.loadModel(smoke.modelDir);
  try {
    const [fromSamples] = await model.predict(Float32Array.from(smoke.samples));
    const worst = Math.max(...model.labels.map((l, i) => Math.abs(fromSamples[l] - smoke.logits[i])));
    if (!(worst < 1e-4)) throw new Error('predict is ' + worst + ' from the reference');
    const [fromFile] = await model.predict(smoke.wav);
    if (!Object.values(fromFile).every(Number.isFinite)) throw new Error('non-finite prediction for the WAV');
  } finally {
    model.dispose();
  }
  // The evaluation and its report from the installed package (vega renders in a worker thread).
  const manifest = require('path').join(__dirname, 'eval.csv');
  fs.writeFileSync(manifest, ['file,arousal,valence', smoke.wav + ',0.2,0.3', smoke.wav + ',0.7,0.6', ''].join(String.fromCharCode(10)));
  const report = await ser.evaluate(smoke.modelDir, { sets: { smoke: manifest } });
  const files = await ser.writeReport(report, require('path').join(__dirname, 'report'));
  if (!fs.readFileSync(files.html, 'utf8').includes('<svg')) throw new Error('report.html has no chart');
  console.log(JSON.stringify({ ok: true, app: 'cjs', torch: ser.info().torchVersion, reportSets: report.sets.length }));
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
`;

function writeJson(file, value) {
  fs.writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}

/** Writes the app into dir; kind 'esm' or 'cjs'. typesDir: a node_modules/@types holding @types/node. */
function writeApp(dir, kind, typesDir) {
  fs.mkdirSync(dir, { recursive: true });
  writeJson(path.join(dir, 'package.json'), {
    name: `ser-torch-smoke-${kind}`, version: '1.0.0', private: true,
    type: kind === 'esm' ? 'module' : 'commonjs',
  });
  if (kind === 'cjs') {
    fs.writeFileSync(path.join(dir, 'main.js'), CJS_MAIN);
    return;
  }
  fs.writeFileSync(path.join(dir, 'main.ts'), ESM_MAIN);
  writeJson(path.join(dir, 'tsconfig.json'), {
    compilerOptions: {
      target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true,
      // Check the package's declarations too, as the strictest downstream setting does.
      skipLibCheck: false, outDir: 'out', typeRoots: [typesDir], types: ['node'],
    },
    files: ['main.ts'],
  });
}

module.exports = { writeApp };
