// Spawning child processes while model calls run on their lanes: Debian 12's OpenBLAS shuts its
// thread pool down from a fork handler, and a fork while another thread was inside OpenBLAS froze
// the forking (JS) thread for good. Model work now holds forks back until it ends (binding/napi/fork_gate.h).
import { spawn } from 'child_process';
import * as path from 'path';

import { loadModel } from '../lib';
import { modelsDir } from './helpers/fixtures';

const modelDir = path.join(modelsDir, 'w2v2_preln_layer_head');

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
    const code = await new Promise<number | null>((resolve) => spawn('true').on('close', resolve));
    expect(code).toBe(0);
  }
  stop = true;
  await Promise.all(loops);
  expect(predicts).toBeGreaterThan(0);
  a.dispose();
  b.dispose();
}, 60_000);
