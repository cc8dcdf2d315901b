// predict/embed take paths in every supported format, Float32Arrays at any rate, and mixes of
// both; a file gives the same numbers as its decoded samples.
import * as fs from 'fs';
import * as path from 'path';

import { loadModel } from '../lib';
import { audioDir, maxAbsDiff, modelsDir } from './helpers/fixtures';

const model = () => loadModel(path.join(modelsDir, 'w2v2_preln_layer_head'));
const sine = (rate: number, seconds: number) =>
  Float32Array.from({ length: Math.round(rate * seconds) }, (_, n) => 0.5 * Math.sin((2 * Math.PI * 440 * n) / rate));

test('every good audio fixture predicts (WAV 16/24/32/float, FLAC, OGG, MP3, stereo)', async () => {
  const m = await model();
  const files = fs.readdirSync(audioDir).filter((f) => /^(sine|stereo|streamed)/.test(f)).map((f) => path.join(audioDir, f));
  expect(files.length).toBeGreaterThanOrEqual(8);
  const predictions = await m.predict(files);
  for (const p of predictions) for (const v of Object.values(p)) expect(Number.isFinite(v)).toBe(true);
  m.dispose();
});

test('a 16 kHz file gives the same numbers as its samples; other rates are resampled', async () => {
  const m = await model();
  const [fromFile] = await m.embed(path.join(audioDir, 'sine_16k_pcm16.wav'));
  // PCM16 quantisation of the same sine: within 1e-3 after the whole network.
  const [fromSamples] = await m.embed(sine(16000, 0.5));
  expect(maxAbsDiff(fromFile, fromSamples)).toBeLessThan(1e-3);
  // The same 0.5 s sine given at 44.1 kHz is resampled to 16 kHz first.
  const [resampled] = await m.embed({ samples: sine(44100, 0.5), sampleRate: 44100 });
  expect(maxAbsDiff(resampled, fromSamples)).toBeLessThan(1e-2);
  // Mixed inputs in one call keep their order.
  const mixed = await m.embed([path.join(audioDir, 'sine_16k_pcm16.wav'), sine(16000, 0.5)]);
  expect(maxAbsDiff(mixed[0], fromFile)).toBeLessThan(1e-5);
  expect(maxAbsDiff(mixed[1], fromSamples)).toBeLessThan(1e-5);
  m.dispose();
});
