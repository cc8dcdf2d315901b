// Spawning child processes while model calls run on their lanes: Debian 12's OpenBLAS shuts its
// thread pool down from a fork handler, and a fork while another thread was inside OpenBLAS froze
// the forking (JS) thread for good. Model work, training steps and dev-set batches now hold forks
// back until they end (binding/core/runtime/fork_gate.h).
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { loadModel, train } from '../lib';
import { modelsDir } from './helpers/fixtures';
import { writeLongWav } from './helpers/long-audio';
import { oneStep } from './helpers/train-step';

const modelDir = path.join(modelsDir, 'w2v2_preln_layer_head');

const spawnTrue = () => new Promise<number | null>((resolve) => spawn('true').on('close', resolve));

test('30 spawns while two models predict in float32 all finish, and so do the predicts', async () => {
  const [a, b] = await Promise.all([loadModel(modelDir), loadModel(modelDir)]);
  const clip = new Float32Array(16000 * 8).map((_, i) => Math.sin(i / 7));
  let stop = false;
  let predicts = 0;
  const busy = async (m: typeof a) => {
    while (!stop) {
      await m.predict([clip, clip]);
      predicts++;
    }
  };
  const loops = [busy(a), busy(b)];
  for (let i = 0; i < 30; i++) {
    expect(await spawnTrue()).toBe(0);
  }
  stop = true;
  await Promise.all(loops);
  expect(predicts).toBeGreaterThan(0);
  a.dispose();
  b.dispose();
}, 60_000);

test('30 spawns while two float32 training runs step and evaluate all finish, and so do the runs', async () => {
  // 8 s clips: products large enough that OpenBLAS runs them on its thread pool (tiny ones stay on
  // the calling thread). Two runs: the deadlock needs another thread inside OpenBLAS at the fork.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ser-spawn-train-'));
  const rows = ['file,arousal,dominance,valence'];
  for (let i = 0; i < 4; i++) {
    writeLongWav(path.join(dir, `${i}.wav`), 8);
    rows.push(`${i}.wav,${0.2 * i},0.5,${1 - 0.2 * i}`);
  }
  fs.writeFileSync(path.join(dir, 'train.csv'), rows.join('\n'));
  const manifest = path.join(dir, 'train.csv');
  const epochs = 15;
  let finished = 0;
  const runs = ['a', 'b'].map((name) => {
    const run = train({ ...oneStep, train: manifest, dev: manifest, batchSize: 2, epochs, outDir: path.join(dir, name) });
    void run.finally(() => finished++);
    return run;
  });
  let spawns = 0;
  while (spawns < 30 && finished === 0) {
    expect(await spawnTrue()).toBe(0);
    spawns++;
  }
  const results = await Promise.all(runs);
  expect(spawns).toBe(30); // all of them landed while both runs were going
  for (const r of results) expect(r.steps).toBe(2 * epochs);
  fs.rmSync(dir, { recursive: true, force: true });
}, 120_000);
