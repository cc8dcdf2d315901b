// The addon in worker threads: each environment has its own class constructor, so a model made
// in a worker works there, after the main thread loaded the addon and after another worker left.
import * as path from 'path';
import { Worker } from 'worker_threads';

import { loadModel } from '../lib';
import { modelsDir } from './helpers/fixtures';

const modelDir = path.join(modelsDir, 'w2v2_preln_layer_head');
// The worker runs lib/ from source, as the test process does.
const lib = path.join(__dirname, '..', 'lib', 'index.ts');
const tsRegister = path.join(__dirname, 'helpers', 'ts-register.js');

function predictInWorker(): Promise<number[]> {
  const code = `
    const { parentPort, workerData } = require('worker_threads');
    require(workerData.tsRegister);
    const { loadModel } = require(workerData.lib);
    (async () => {
      const model = await loadModel(workerData.modelDir);
      const samples = new Float32Array(16000).map((_, i) => Math.sin(i / 10));
      const [p] = await model.predict([{ samples, sampleRate: 16000 }]);
      await model.dispose();
      parentPort.postMessage(Object.values(p));
    })().catch((e) => parentPort.postMessage({ error: String(e && e.stack || e) }));
  `;
  return new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true, workerData: { lib, tsRegister, modelDir } });
    w.once('message', (m: unknown) => (Array.isArray(m) ? resolve(m) : reject(new Error((m as { error: string }).error))));
    w.once('error', reject);
  });
}

test('a model loads and predicts in worker threads, one after another, beside the main thread', async () => {
  const main = await loadModel(modelDir);
  const samples = new Float32Array(16000).map((_, i) => Math.sin(i / 10));
  const want = Object.values((await main.predict([{ samples, sampleRate: 16000 }]))[0]);
  const first = await predictInWorker();
  const second = await predictInWorker(); // after the first worker's environment is gone
  for (const got of [first, second]) {
    expect(got).toHaveLength(want.length);
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
  }
  main.dispose();
});

test('terminating a worker with model calls queued and running leaves the process and other models working', async () => {
  const code = `
    const { parentPort, workerData } = require('worker_threads');
    require(workerData.tsRegister);
    const { loadModel } = require(workerData.lib);
    (async () => {
      const model = await loadModel(workerData.modelDir);
      const samples = new Float32Array(16000 * 20).map((_, i) => Math.sin(i / 10));
      for (let i = 0; i < 6; i++) void model.predict([samples]).catch(() => {});
      parentPort.postMessage('busy');
    })();
  `;
  const main = await loadModel(modelDir);
  for (let round = 0; round < 3; round++) {
    const w = new Worker(code, { eval: true, workerData: { lib, tsRegister, modelDir } });
    await new Promise<void>((resolve, reject) => {
      w.once('message', () => resolve());
      w.once('error', reject);
    });
    await w.terminate(); // its calls are queued on (or running on) the shared compute thread
  }
  const samples = new Float32Array(16000).map((_, i) => Math.sin(i / 10));
  const [p] = await main.predict([{ samples, sampleRate: 16000 }]);
  for (const v of Object.values(p)) expect(Number.isFinite(v)).toBe(true);
  main.dispose();
});
