// CNN14 through the public API: parity with the PyTorch reference (test/fixtures/cnn14), batch
// invariance, save/load, the paper's recipe as defaults, a from-scratch run that learns, and
// starting from a PANNs checkpoint.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { CheckpointError, ConfigError, InputError, loadModel, logMel, train, type TrainEvent } from '../lib';
import { nativeAddon } from '../lib/native';
import { fixturesDir, maxAbsDiff, readJson, rejection } from './helpers/fixtures';
import { readSafetensors } from './helpers/safetensors';

const cnnDir = path.join(fixturesDir, 'cnn14');
const modelDir = path.join(cnnDir, 'model');
const tmp = (name: string) => fs.mkdtempSync(path.join(os.tmpdir(), `ser-cnn14-${name}-`));
interface LogMelFixture { inputs: number[][]; outputs: { frames: number; n_mels: number; log_mel: number[] }[] }
const logMelFixture = readJson<LogMelFixture>(path.join(cnnDir, 'logmel.json'));

interface Case { input: number; pooled: number[]; embedding: number[]; logits: number[] }
const inputs: Float32Array[] = logMelFixture.inputs.map((x) => Float32Array.from(x));
const { cases } = readJson<{ cases: Case[] }>(path.join(cnnDir, 'expected.json'));

describe('a CNN14 folder', () => {
  test('loads as CNN14 and matches the PyTorch reference within 1e-4, alone and batched', async () => {
    const model = await loadModel(modelDir);
    try {
      expect(model.info.modelType).toBe('cnn14');
      expect(model.info.hiddenSize).toBe(32);
      expect(model.info.minSamples).toBe(4960);
      const waves = inputs.map((data) => ({ samples: data, sampleRate: 16000 }));
      for (const batchSize of [1, 4]) {
        const preds = await model.predict(waves, { batchSize });
        const embeddings = await model.embed(waves, { batchSize });
        cases.forEach((c, i) => {
          expect(maxAbsDiff([preds[i].arousal, preds[i].dominance, preds[i].valence], c.logits)).toBeLessThan(1e-4);
          expect(maxAbsDiff(embeddings[i], c.embedding)).toBeLessThan(1e-4);
        });
      }
      const [hidden] = await model.hiddenStates({ samples: inputs[2], sampleRate: 16000 });
      expect(hidden.size).toBe(32);
      expect(hidden.frames).toBe(Math.floor((1 + Math.floor(inputs[2].length / 160)) / 32));
    } finally {
      model.dispose();
    }
  });

  test('too-short audio is an InputError naming the minimum', async () => {
    const model = await loadModel(modelDir);
    try {
      const err = await rejection(model.predict({ samples: new Float32Array(4000).fill(0.1), sampleRate: 16000 }));
      expect(err).toBeInstanceOf(InputError);
      expect(String((err as Error).message)).toMatch(/4960/);
    } finally {
      model.dispose();
    }
  });

  test('saves and loads back to the same outputs', async () => {
    const model = await loadModel(modelDir);
    const out = tmp('save');
    try {
      await model.save(out);
      const config = readJson<{ model_type: string; channels: number[] }>(path.join(out, 'config.json'));
      expect(config.model_type).toBe('cnn14');
      expect(config.channels).toEqual([4, 8, 8, 16, 16, 32]);
      const again = await loadModel(out);
      try {
        const [a] = await model.predict({ samples: inputs[1], sampleRate: 16000 });
        const [b] = await again.predict({ samples: inputs[1], sampleRate: 16000 });
        expect(b).toEqual(a);
      } finally {
        again.dispose();
      }
    } finally {
      model.dispose();
    }
  });

  test('without preprocessor_config.json the waveform is not normalised (PANNs feeds it as it is)', async () => {
    const dir = tmp('nopre');
    for (const f of ['config.json', 'model.safetensors']) fs.copyFileSync(path.join(modelDir, f), path.join(dir, f));
    const model = await loadModel(dir);
    try {
      const [p] = await model.predict({ samples: inputs[0], sampleRate: 16000 });
      expect(maxAbsDiff([p.arousal, p.dominance, p.valence], cases[0].logits)).toBeLessThan(1e-4);
    } finally {
      model.dispose();
    }
  });

  test('numLayers is refused for CNN14 with a ConfigError naming the option and the folder', async () => {
    const err = await rejection(loadModel(modelDir, { numLayers: 2 }));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.code).toBe('ERR_CONFIG');
    expect(err.message).toContain(`numLayers applies to transformer models, not to ${modelDir} (CNN14)`);
  });
});

describe('logMel()', () => {
  test("matches torchaudio's MelSpectrogram + dB within 1e-3 dB", async () => {
    const reference = logMelFixture.outputs;
    const features = await logMel(inputs.map((samples) => ({ samples, sampleRate: 16000 })));
    features.forEach((f, i) => {
      expect(f.frames).toBe(reference[i].frames);
      expect(f.nMels).toBe(64);
      expect(maxAbsDiff(f.data, reference[i].log_mel)).toBeLessThan(1e-3);
    });
  });

  test('other settings, resampling, and bad input as InputErrors', async () => {
    const [f] = await logMel(inputs[1], { nMels: 32, hopLength: 320, inputSampleRate: 16000 });
    expect(f.nMels).toBe(32);
    expect(f.frames).toBe(1 + Math.floor(inputs[1].length / 320));
    const [g] = await logMel({ samples: inputs[1], sampleRate: 32000 }); // resampled to 16 kHz: half the frames
    expect(g.frames).toBe(1 + Math.floor(inputs[1].length / 2 / 160));
    const cases: [() => Promise<unknown>, RegExp][] = [
      [() => logMel(new Float32Array(100), { inputSampleRate: 16000 }), /too short for the log-Mel: 100 samples/],
      [() => logMel(Float32Array.from([0, NaN, ...new Float32Array(1000)]), { inputSampleRate: 16000 }), /sample 1 is NaN/],
      [() => logMel(inputs[0], { fMax: 9000 }), /f_max <= sample_rate \/ 2/],
      [() => logMel(inputs[0], { nFft: 1.5 }), /nFft.*1\.5/],
      [() => logMel(inputs[0], { nFft: 1e8 }), /nFft.*100000000/],
    ];
    for (const [bad, message] of cases) {
      const err = await rejection(bad());
      expect(err).toBeInstanceOf(InputError);
      expect(err.message).toMatch(message);
    }
  });
});

describe('training CNN14', () => {
  let corpus: { train: string; dev: string; test: string };
  let tinyDir: string;
  beforeAll(async () => {
    const dir = tmp('corpus');
    corpus = await nativeAddon().synthesizeCorpus({ dir, train: 192, dev: 48, test: 8, seed: 3 });
    // A narrow CNN14 (same blocks, fewer channels) so that a CPU test run takes seconds.
    tinyDir = path.join(dir, 'tiny');
    fs.mkdirSync(tinyDir);
    const config = { model_type: 'cnn14', channels: [8, 16, 32, 32, 64, 64] };
    const pre = { do_normalize: false, sampling_rate: 16000 };
    await nativeAddon().createModel(tinyDir, JSON.stringify(config), JSON.stringify(pre), true, 1);
  });

  test('from scratch it learns the planted dimensions (SGD + Nesterov, BatchNorm in train mode)', async () => {
    const events: TrainEvent[] = [];
    const result = await train({
      architecture: 'cnn14', model: tinyDir, train: corpus.train, dev: corpus.dev, outDir: tmp('run'),
      labelRange: 'msp-podcast', batchSize: 16, epochs: 12, maxClipSeconds: 2, seed: 1,
      onEvent: (e) => events.push(e),
    });
    const steps = events.filter((e): e is Extract<TrainEvent, { type: 'step' }> => e.type === 'step');
    expect(steps[0].lr).toBe(0.01); // the recipe's learning rate
    const epochs = events.filter((e): e is Extract<TrainEvent, { type: 'epoch' }> => e.type === 'epoch');
    expect(epochs).toHaveLength(12);
    expect(result.bestDevCccMean).toBeGreaterThan(0.5);
    expect(result.bestDevCccMean).toBeGreaterThan(epochs[0].devCccMean);
    const model = await loadModel(result.bestDir);
    try {
      expect(model.info.modelType).toBe('cnn14');
      const [p] = await model.predict(path.join(path.dirname(corpus.test), 'wav', 'test_0.wav'));
      expect(Object.keys(p).sort()).toEqual(['arousal', 'dominance', 'valence']);
    } finally {
      model.dispose();
    }
  }, 300_000);

  test("architecture 'cnn14' without a model builds PANNs' CNN14 with the paper's recipe", async () => {
    const controller = new AbortController();
    let start: Extract<TrainEvent, { type: 'start' }> | undefined;
    const run = train({
      architecture: 'cnn14', train: corpus.train, dev: corpus.dev, outDir: tmp('full'), labelRange: 'msp-podcast',
      maxClipSeconds: 1, signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'start') start = e;
        if (e.type === 'step') controller.abort(); // one step of the full-width model is enough here
      },
    });
    const result = await run;
    expect(result.aborted).toBe(true);
    expect(start!.totalSteps).toBe(Math.ceil(192 / 64) * 60); // batch 64, 60 epochs
    const config = readJson<{ channels: number[] }>(path.join(result.lastDir, 'config.json'));
    expect(config.channels).toEqual([64, 128, 256, 512, 1024, 2048]);
  }, 300_000);

  test('starts from a PANNs checkpoint (AudioSet layer replaced by fc_out)', async () => {
    const result = await train({
      architecture: 'cnn14', model: path.join(cnnDir, 'panns_checkpoint.pth'), train: corpus.train, dev: corpus.dev,
      outDir: tmp('panns'), labelRange: 'msp-podcast', batchSize: 32, epochs: 1, maxClipSeconds: 1,
    });
    expect(result.steps).toBe(6);
    const config = readJson<{ channels: number[] }>(path.join(result.lastDir, 'config.json'));
    expect(config.channels).toEqual([4, 8, 8, 16, 16, 32]);
    const err = await rejection(train({
      architecture: 'cnn14', model: path.join(fixturesDir, 'io', 'non_tensor.bin'), train: corpus.train,
      dev: corpus.dev, outDir: tmp('bad'), labelRange: 'msp-podcast', epochs: 1,
    }));
    expect(err).toBeInstanceOf(CheckpointError);
    expect(err.message).toMatch(/non_tensor\.bin: .*not a tensor/);
  }, 300_000);

  test('bad architecture names and wav2vec2-only options are InputErrors', async () => {
    const err = await rejection(train({ architecture: 'vgg' as 'cnn14', train: corpus.train, dev: corpus.dev, outDir: tmp('x') }));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/architecture.*vgg/);
    const drop = await rejection(train({ architecture: 'cnn14', model: tinyDir, train: corpus.train, dev: corpus.dev,
      outDir: tmp('y'), labelRange: 'msp-podcast', dropout: 0 }));
    expect(drop).toBeInstanceOf(InputError);
    expect(drop.message).toMatch(/dropout/);
  });
});

/** A synthetic corpus and the narrowest CNN14 (4 ... 32 channels) in a fresh folder. */
async function tinySetup(name: string, sizes: { train: number; dev: number; test: number; seed: number }) {
  const dir = tmp(name);
  const corpus = await nativeAddon().synthesizeCorpus({ dir, ...sizes });
  const tiny = path.join(dir, 'tiny');
  fs.mkdirSync(tiny);
  await nativeAddon().createModel(tiny, JSON.stringify({ model_type: 'cnn14', channels: [4, 8, 8, 16, 16, 32] }),
    JSON.stringify({ do_normalize: false, sampling_rate: 16000 }), true, 1);
  return { dir, corpus, tiny };
}

test('gradient accumulation updates BatchNorm statistics once per forward pass with a graph', async () => {
  const { dir, corpus, tiny } = await tinySetup('accum', { train: 8, dev: 4, test: 2, seed: 9 });
  const counts: number[] = [];
  for (const maxBatchSeconds of [0, 2]) { // 4 clips of 1 s: whole, or two forward passes of 2
    const result = await train({ model: tiny, train: corpus.train, dev: corpus.dev, outDir: path.join(dir, `run${maxBatchSeconds}`),
      labelRange: 'msp-podcast', batchSize: 4, epochs: 1, maxClipSeconds: 1, maxBatchSeconds });
    expect(result.steps).toBe(2);
    counts.push(readSafetensors(path.join(result.lastDir, 'model.safetensors')).get('bn0.num_batches_tracked')!.data[0]);
  }
  expect(counts).toEqual([2, 4]); // not 6: the gradient-free prediction pass leaves the statistics alone
}, 120_000);

test('an aborted CNN14 run resumes with the same recipe and finishes', async () => {
  const { dir, corpus, tiny } = await tinySetup('resume', { train: 64, dev: 16, test: 4, seed: 5 });
  const base = { train: corpus.train, dev: corpus.dev, outDir: path.join(dir, 'run'), labelRange: 'msp-podcast' as const,
    batchSize: 16, epochs: 2, maxClipSeconds: 1 };
  const controller = new AbortController();
  const first = await train({ ...base, model: tiny, signal: controller.signal,
    onEvent: (e) => { if (e.type === 'step' && e.step === 2) controller.abort(); } });
  expect(first.aborted).toBe(true);
  const lrs: number[] = [];
  const second = await train({ ...base, resume: true, onEvent: (e) => { if (e.type === 'step') lrs.push(e.lr); } });
  expect(second.aborted).toBe(false);
  expect(second.steps).toBe(8);
  expect(lrs).toHaveLength(8 - first.steps); // exactly what the first run had not done
  expect(new Set(lrs)).toEqual(new Set([0.01])); // the recipe, found in outDir/last/config.json
}, 120_000);
