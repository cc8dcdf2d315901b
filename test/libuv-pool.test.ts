// Model work does not occupy libuv's thread pool (issue 13): with more predicts in flight than
// the pool has threads (4 by default), the host's file system and crypto work is not queued
// behind them. Asserted by order, not by time: the pool work finishes before the first predict.
import * as crypto from 'crypto';
import { promises as fsp } from 'fs';
import * as path from 'path';

import { loadModel } from '../lib';
import { modelsDir } from './helpers/fixtures';

test('8 predicts in flight leave the pool to fs and crypto', async () => {
  const model = await loadModel(path.join(modelsDir, 'w2v2_preln_layer_head'));
  const samples = new Float32Array(16000 * 30).map((_, i) => Math.sin(i / 7) * 0.1);
  const predicts = Array.from({ length: 8 }, () => model.predict([samples]));
  let firstPredictDone = false;
  void Promise.race(predicts).then(() => (firstPredictDone = true));
  await fsp.readFile(__filename);
  await new Promise<Buffer>((resolve, reject) =>
    crypto.pbkdf2('secret', 'salt', 1, 32, 'sha256', (e, key) => (e ? reject(e) : resolve(key))),
  );
  expect(firstPredictDone).toBe(false);
  const results = await Promise.all(predicts);
  expect(results.every((r) => r.length === 1)).toBe(true);
  model.dispose();
});
