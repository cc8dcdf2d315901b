// Long calls run off the event loop: a timer keeps firing while a large predict runs. Only what
// holds on a loaded machine too is asserted; the timing figures (worst gap, p99) are measured by
// bench/event-loop.js.
import * as path from 'path';

import { loadModel } from '../lib';
import { modelsDir } from './helpers/fixtures';

test('a 10 ms timer keeps firing during a large predict, which returns before it computes', async () => {
  const model = await loadModel(path.join(modelsDir, 'w2v2_preln_layer_head'));
  const long = new Float32Array(16000 * 60).map((_, i) => Math.sin(i / 7) * 0.3);
  const inputs = Array.from({ length: 8 }, () => long);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  try {
    const started = performance.now();
    const pending = model.predict(inputs, { batchSize: 2 });
    const syncMs = performance.now() - started;
    const predictions = await pending;
    const elapsed = performance.now() - started;
    expect(predictions).toHaveLength(8);
    expect(elapsed).toBeGreaterThan(300); // the work was long enough to matter
    expect(syncMs).toBeLessThan(elapsed / 4); // predict() returned long before the result was ready
    // A loop blocked by the computation would see a tick or two; a free one about elapsed / 10.
    // A tenth of that tolerates a machine shared with other work.
    expect(ticks).toBeGreaterThan(Math.max(5, elapsed / 10 / 10));
  } finally {
    clearInterval(timer);
    model.dispose();
  }
});
