// The package surface: exports, CCC, runtime info, the ESM entry, save/load round trip.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';

import * as ts from 'typescript';

import * as ser from '../lib';
import { runDemo } from '../lib/demo';
import { maxAbsDiff, modelsDir, readExpected, readJson } from './helpers/fixtures';

test('ccc matches audmetric (population moments)', () => {
  expect(ser.ccc([0, 1, 2], [0, 1, 1])).toBeCloseTo(0.6666666666666665, 15);
  expect(ser.ccc([1, 2, 3, 4], [1, 2, 3, 4])).toBe(1);
  expect(ser.ccc(Float32Array.from([0.5, 0.1, 0.9]), [0.4, 0.2, 0.7])).toBeGreaterThan(0.8);
  expect(Number.isNaN(ser.ccc([1], [1]))).toBe(true);
  expect(() => ser.ccc([1, 2], [1])).toThrow(/lengths differ/);
});

test('info() reports libtorch, threads and an optimised BLAS (OpenBLAS or MKL) that is loaded', () => {
  const i = ser.info();
  expect(i.torchVersion).toMatch(/^\d+\.\d+/);
  expect(i.threads).toBe(os.cpus().length > 0 ? i.cores : 1);
  expect(typeof i.cudaAvailable).toBe('boolean');
  // Debian's libtorch runs on whichever libblas.so.3 alternative is installed: OpenBLAS (the
  // documented setup) or MKL are both fine; the reference BLAS (a warning) or none found are not.
  expect(['openblas', 'mkl']).toContain(i.blas);
  if (i.blas === 'openblas') {
    expect(i.blasLibrary).toMatch(/openblas/); // e.g. .../openblas-pthread/libblas.so.3
    expect(i.blasCore).toMatch(/^\w+$/); // the kernel set OpenBLAS picked, e.g. Haswell
  } else {
    // e.g. .../libmkl_rt.so; the pip wheels link MKL into libtorch_cpu itself
    expect(i.blasLibrary).toMatch(/libmkl|libtorch_cpu/);
    expect(i.blasCore).toBe(''); // a kernel-set name only OpenBLAS reports
  }
  expect(i.warnings).toEqual([]);
});

test('exports the API and every error class', () => {
  for (const name of ['loadModel', 'ccc', 'info', 'setThreads', 'SerModel', 'SerError', 'ConfigError', 'CheckpointError',
    'AudioError', 'InputError', 'DeviceError', 'LibtorchError', 'NoHeadError', 'DisposedError']) {
    expect(typeof (ser as Record<string, unknown>)[name]).toBe('function');
  }
});

// The one suite that runs dist/: the package's ESM entry exists only as build output (tsc, then
// scripts/write-esm-entry.js). The test command builds dist/ (npm run build:ts) before jest, so
// this is the build of the lib/ under test; its export list is compared with lib/'s, which a
// stale dist/ would fail.
test('the ESM entry (dist/lib/index.mjs) exports what lib/ exports, the same objects as require()', () => {
  const esm = path.join(__dirname, '..', 'dist', 'lib', 'index.mjs');
  if (!fs.existsSync(esm)) throw new Error(`${esm} is missing: build it first (npm run build:ts; the test command does)`);
  const script = [
    `import * as esm from ${JSON.stringify(pathToFileURL(esm).href)};`,
    "import { createRequire } from 'node:module';",
    `const cjs = createRequire(${JSON.stringify(esm)})('./index.js');`,
    'const names = Object.keys(esm).filter((n) => n !== "default").sort();',
    'const same = names.every((n) => esm[n] === cjs[n]);',
    'console.log(JSON.stringify({ names, same, defaultIsCjs: esm.default === cjs }));',
  ].join('\n');
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const got = JSON.parse(r.stdout) as { names: string[]; same: boolean; defaultIsCjs: boolean };
  expect(got.names).toEqual(Object.keys(ser).filter((n) => n !== '__esModule').sort());
  expect(got.names).toEqual(expect.arrayContaining(['loadModel', 'train', 'evaluate', 'ccc', 'info', 'SerError']));
  expect(got.same).toBe(true);
  expect(got.defaultIsCjs).toBe(true);
});

test('save() writes a Hugging Face folder that loads back identically', async () => {
  const src = path.join(modelsDir, 'w2v2_preln_layer_head');
  const expected = readExpected('w2v2_preln_layer_head');
  const model = await ser.loadModel(src, { numLayers: 2 });
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'ser-save-'));
  await model.save(out);
  expect(fs.readdirSync(out).sort()).toEqual(['config.json', 'model.safetensors', 'preprocessor_config.json']);
  const config = readJson<{ num_hidden_layers: number; id2label: Record<string, string> }>(path.join(out, 'config.json'));
  expect(config.num_hidden_layers).toBe(2);
  expect(config.id2label).toEqual({ 0: 'arousal', 1: 'dominance', 2: 'valence' });
  const again = await ser.loadModel(out);
  const input = Float32Array.from(expected.inputs[1]);
  const [a] = await model.predict(input);
  const [b] = await again.predict(input);
  expect(maxAbsDiff(Object.values(a), Object.values(b))).toBe(0);
  expect(maxAbsDiff(Object.values(a), expected.first2!.outputs[1].logits!)).toBeLessThan(1e-4);
  model.dispose();
  again.dispose();
});

test('Symbol.asyncDispose frees the model', async () => {
  const model = await ser.loadModel(path.join(modelsDir, 'w2v2_preln_layer_head'));
  await model[Symbol.asyncDispose]();
  expect(model.disposed).toBe(true);
});

test("`await using` as the README gives it: TypeScript's es2022 output disposes on Node 20; esnext emits it verbatim", () => {
  const source = [
    "const { loadModel } = require('./lib');",
    '(async () => {',
    '  let kept;',
    '  {',
    `    await using model = await loadModel(${JSON.stringify(path.join(modelsDir, 'w2v2_preln_layer_head'))});`,
    '    kept = model;',
    "    console.log('inside', model.disposed);",
    '  }',
    "  console.log('after', kept.disposed);",
    '})();',
  ].join('\n');
  const emit = (target: ts.ScriptTarget) =>
    ts.transpileModule(source, { compilerOptions: { target, module: ts.ModuleKind.CommonJS } }).outputText;
  expect(emit(ts.ScriptTarget.ESNext)).toContain('await using model');
  const es2022 = emit(ts.ScriptTarget.ES2022);
  expect(es2022).not.toContain('await using');
  const r = spawnSync(process.execPath, ['-r', './test/helpers/ts-register.js', '-e', es2022], {
    cwd: path.join(__dirname, '..'),
    encoding: 'utf8',
  });
  expect(r.stderr).toBe('');
  expect(r.stdout).toBe('inside false\nafter true\n');
}, 60000);

describe('options are checked in TypeScript, before anything native starts', () => {
  const stepDir = path.join(__dirname, 'fixtures', 'train_step');
  const valid = {
    model: path.join(stepDir, 'model'),
    train: path.join(stepDir, 'train.csv'),
    dev: path.join(stepDir, 'dev.csv'),
  };
  const fresh = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ser-opts-')), 'out');

  test.each([
    ['signal', { signal: {} }, /'signal' must be an AbortSignal, got object/],
    ['signal', { signal: 'stop' }, /'signal' must be an AbortSignal/],
    ['threads', { threads: 1.5 }, /'threads' must be an integer in \[0, 1024\], got 1.5/],
    ['threads', { threads: 5000 }, /'threads' must be an integer in \[0, 1024\]/],
    ['freezeFeatureEncoder', { freezeFeatureEncoder: 'false' }, /'freezeFeatureEncoder' must be a boolean, got "false"/],
    ['resume', { resume: 1 }, /'resume' must be a boolean/],
    ['batchSize', { batchSize: 1 }, /'batchSize' must be an integer in \[2, 65536\]/],
    ['epochs', { epochs: 0 }, /'epochs' must be an integer in \[1, 1000000\]/],
    ['lr', { lr: 0 }, /'lr' must be a finite number in \(0, inf\)/],
    ['lr', { lr: '1e-4' }, /'lr' must be a finite number/],
    ['momentum', { momentum: 1 }, /'momentum' must be a finite number in \[0, 1\)/],
    ['dropout', { dropout: 1.5 }, /'dropout' must be a finite number in \[0, 1\]/],
    ['cacheMb', { cacheMb: -1 }, /'cacheMb' must be a finite number in \[0, 16777216\]/],
    ['seed', { seed: -1 }, /'seed' must be an integer/],
    ['evalEvery', { evalEvery: NaN }, /'evalEvery' must be an integer/],
    ['numLayers', { numLayers: '2' }, /'numLayers' must be an integer/],
    ['device', { device: 0 }, /'device' must be a string/],
    ['optimizer', { optimizer: 'adamw' }, /'optimizer' must be one of 'adam', 'sgd', got "adamw"/],
    ['lrSchedule', { lrSchedule: 'cosine' }, /'lrSchedule' must be one of 'constant', 'linear'/],
    ['precision', { precision: 'int8' }, /'precision' must be one of 'fp32', 'bf16', 'auto', got "int8" \(int8 is for inference/],
    ['architecture', { architecture: 'resnet' }, /'architecture' must be one of 'cnn14'/],
    ['model', { model: 7 }, /'model' must be a non-empty string, got 7/],
    ['onEvent', { onEvent: 'log' }, /'onEvent' must be a function/],
    ['labelRange', { labelRange: [7, 1] }, /labelRange must be \[min, max\] with max > min/],
    ['labelRange', { labelRange: 'msp' }, /unknown labelRange preset "msp"/],
  ])('train: %s %j', async (_key, bad, message) => {
    const outDir = fresh();
    const e = await ser.train({ ...valid, outDir, ...bad } as ser.TrainOptions).catch((error: unknown) => error);
    expect(e).toBeInstanceOf(ser.InputError);
    expect((e as Error).message).toMatch(message);
    expect(fs.existsSync(outDir)).toBe(false); // the addon creates outDir: it never saw the call
  });

  test('train: no options object, or a missing path', async () => {
    for (const bad of [null, undefined, 'opts', { ...valid }, { ...valid, outDir: '' }]) {
      const e = await ser.train(bad as never).catch((error: unknown) => error);
      expect(e).toBeInstanceOf(ser.InputError);
    }
  });

  test('train: an AbortSignal that is already aborted is an AbortError; nothing starts', async () => {
    const outDir = fresh();
    const e = await ser.train({ ...valid, outDir, signal: AbortSignal.abort() }).catch((error: unknown) => error);
    expect(e).toBeInstanceOf(ser.AbortError);
    expect((e as ser.AbortError).code).toBe('ERR_ABORTED');
    expect(fs.existsSync(outDir)).toBe(false);
  });

  test('loadModel, evaluate, readManifest, runDemo, ccc: wrong options are InputErrors naming them', async () => {
    const model = path.join(modelsDir, 'w2v2_preln_layer_head');
    const cases: [() => Promise<unknown>, RegExp][] = [
      [() => ser.loadModel(model, { threads: 0.5 }), /loadModel: 'threads' must be an integer in \[0, 1024\]/],
      [() => ser.loadModel(model, { numLayers: 0 }), /loadModel: 'numLayers' must be an integer in \[1, 1024\]/],
      [() => ser.loadModel(model, { precision: 'fp16' as never }), /loadModel: 'precision' must be one of 'fp32', 'bf16', 'int8', 'auto'/],
      [() => ser.loadModel(model, { device: 1 as never }), /loadModel: 'device' must be a string/],
      [() => ser.loadModel(model, 'cpu' as never), /loadModel: options must be an object, got "cpu"/],
      [() => ser.loadModel(''), /loadModel: 'dir' must be a non-empty string/],
      [() => ser.evaluate(model, valid.dev, { batchSize: 0 }), /evaluate: 'batchSize' must be an integer in \[1, 65536\]/],
      [() => ser.evaluate(model, valid.dev, { minSpeakerSamples: -3 }), /evaluate: 'minSpeakerSamples'/],
      [() => ser.evaluate(model, valid.dev, { threads: -1 }), /evaluate: 'threads'/],
      [() => ser.evaluate(model, valid.dev, { labelRange: 'bogus' as never }), /evaluate: unknown labelRange preset/],
      [() => ser.evaluate(42 as never, valid.dev), /model must be a SerModel or a model folder path/],
      [() => ser.evaluate(model, ''), /evaluate: 'data' must be a non-empty string/],
      [() => ser.readManifest(5 as never), /readManifest: 'path' must be a non-empty string, got 5/],
      [() => ser.readManifest(valid.dev, [1, 1]), /readManifest: labelRange must be \[min, max\]/],
      [() => runDemo({ quick: 'yes' as never }), /runDemo: 'quick' must be a boolean/],
      [() => runDemo({ precision: 'int8' as never }), /runDemo: 'precision' must be one of/],
      [() => runDemo(5 as never), /runDemo: options must be an object/],
      [() => Promise.resolve().then(() => ser.ccc('abc' as never, [1])), /ccc: 'pred' must be an array or typed array of numbers, got "abc"/],
      [() => Promise.resolve().then(() => ser.ccc([1, 2], [1, NaN])), /ccc: 'gold'\[1\] must be a finite number, got NaN/],
      [() => Promise.resolve().then(() => ser.ccc([1, '2'] as never, [1, 2])), /ccc: 'pred'\[1\] must be a finite number, got "2"/],
    ];
    for (const [call, message] of cases) {
      const e = await call().then(() => new Error('resolved'), (error: unknown) => error);
      expect(e).toBeInstanceOf(ser.InputError);
      expect((e as Error).message).toMatch(message);
    }
  });

  test('null options mean the defaults (as undefined does)', async () => {
    const model = await ser.loadModel(path.join(modelsDir, 'w2v2_preln_layer_head'), null);
    try {
      const input = new Float32Array(1600).map((_, i) => Math.sin(i / 7));
      expect(await model.predict(input, null)).toEqual(await model.predict(input));
      expect((await model.embed(input, null))[0].length).toBe(model.info.hiddenSize);
      expect((await ser.logMel(input, null))[0].nMels).toBe(64);
      for (const bad of [{ batchSize: 1.5 }, { sampleRate: 0 }, 'fast']) {
        expect(await model.predict(input, bad as never).catch((e: unknown) => e)).toBeInstanceOf(ser.InputError);
      }
    } finally {
      model.dispose();
    }
  });
});

describe('TrainingRun is a Promise', () => {
  const stepDir = path.join(__dirname, 'fixtures', 'train_step');
  const bad = { model: path.join(stepDir, 'model'), train: path.join(stepDir, 'train.csv'), dev: path.join(stepDir, 'dev.csv'), outDir: '' };

  test('then / catch / finally, toStringTag, and Promise.resolve adopts it', async () => {
    const run = ser.train(bad);
    expect(Object.prototype.toString.call(run)).toBe('[object TrainingRun]');
    let finallyRan = false;
    const caught = await run.finally(() => { finallyRan = true; }).catch((e: unknown) => e);
    expect(finallyRan).toBe(true);
    expect(caught).toBeInstanceOf(ser.InputError);
    expect(await run.then(() => 'resolved', () => 'rejected')).toBe('rejected');
    await expect(Promise.resolve(run)).rejects.toBeInstanceOf(ser.InputError);
    await expect(run.result).rejects.toBeInstanceOf(ser.InputError);
  });

  test('iterating a failing run rethrows its error', async () => {
    const seen: unknown[] = [];
    const e = await (async () => {
      for await (const event of ser.train(bad)) seen.push(event);
    })().catch((error: unknown) => error);
    expect(e).toBeInstanceOf(ser.InputError);
    expect(seen).toEqual([]);
  });

  // A child process: the failure of a run nobody awaits must reach 'unhandledRejection' (exit 1),
  // where the old TrainingRun swallowed it and the process exited 0.
  const root = path.join(__dirname, '..');
  function runChild(script: string) {
    return spawnSync(process.execPath, ['-r', './test/helpers/ts-register.js', '-e', script], { cwd: root, encoding: 'utf8' });
  }

  test.each([
    ['a bad option', `{ ...opts, outDir: '${os.tmpdir()}/ser-unhandled', threads: -1 }`, /'threads' must be an integer/],
    ['a bad manifest', `{ ...opts, train: 'no-such-manifest.csv', outDir: require('fs').mkdtempSync('${os.tmpdir()}/ser-unhandled-') }`, /manifest not found/],
  ])('a run never awaited that fails with %s is an unhandled rejection; a caught one is not', (_what, options, message) => {
    const opts = `const opts = ${JSON.stringify({ model: bad.model, train: bad.train, dev: bad.dev })};`;
    const unhandled = runChild(`${opts} require('./lib').train(${options});`);
    expect(unhandled.stderr).toMatch(message);
    expect(unhandled.status).toBe(1);
    const caught = runChild(`${opts} require('./lib').train(${options}).catch((e) => console.log('caught', e.code));`);
    expect(caught.stdout).toMatch(/caught ERR_INPUT/);
    expect(caught.status).toBe(0);
  }, 60000);
});

describe('labelRange hint', () => {
  test('an out-of-range label names labelRange and --label-range (readManifest, evaluate)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ser-range-'));
    fs.cpSync(path.join(__dirname, 'fixtures', 'train_step', 'wav'), path.join(dir, 'wav'), { recursive: true });
    const file = path.join(dir, 'test.csv');
    fs.writeFileSync(file, `file,arousal\n${fs.readdirSync(path.join(dir, 'wav'))[0].replace(/^/, 'wav/')},6\n`);
    for (const call of [() => ser.readManifest(file), () => ser.evaluate(path.join(modelsDir, 'w2v2_preln_layer_head'), file)]) {
      const e = await call().then(() => new Error('resolved'), (error: unknown) => error);
      expect(e).toBeInstanceOf(ser.InputError);
      expect((e as Error).message).toMatch(/test.csv:2: arousal 6 lies outside labelRange \[0(\.0+)?, 1(\.0+)?\]; set labelRange \(CLI: --label-range\)/);
    }
    expect((await ser.readManifest(file, 'msp-podcast')).rows[0].labels.arousal).toBeCloseTo(5 / 6, 6);
  });
});
