// Long calls run off the event loop: a timer keeps firing while a large predict runs.
import * as path from 'path';

import { loadModel } from '../lib';
import { modelsDir } from './helpers/fixtures';

test('a 10 ms timer keeps firing during a large predict', async () => {
  const model = await loadModel(path.join(modelsDir, 'w2v2_preln_layer_head'));
  const long = new Float32Array(16000 * 60).map((_, i) => Math.sin(i / 7) * 0.3);
  const inputs = Array.from({ length: 8 }, () => long);
  let last = performance.now();
  let worstGap = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worstGap = Math.max(worstGap, now - last);
    last = now;
    ticks++;
  }, 10);
  const started = performance.now();
  const predictions = await model.predict(inputs, { batchSize: 2 });
  const elapsed = performance.now() - started;
  clearInterval(timer);
  model.dispose();
  expect(predictions).toHaveLength(8);
  expect(elapsed).toBeGreaterThan(300); // the work was long enough to matter
  expect(ticks).toBeGreaterThan(elapsed / 10 / 4);
  expect(worstGap).toBeLessThan(150);
});
