// Run by test/predict-long.test.ts in a child process (node -r ./test/helpers/ts-register.js):
// writes a long 16 kHz WAV (and a minute for the warm-up), runs predictLong over it, and prints
// one JSON line: the resident memory before and at its peak, the windows and the time. The files
// are written here rather than in jest, whose sandbox makes the per-sample loop 30x slower.
//   args: <model dir> <folder> <seconds> <windowSeconds> <hopSeconds> <batchSize>
import * as fs from 'fs';
import * as path from 'path';

import { loadModel } from '../../lib';
import { writeLongWav } from './long-audio';

function statusBytes(key: string): number {
  const m = new RegExp(`${key}:\\s+(\\d+) kB`).exec(fs.readFileSync('/proc/self/status', 'utf8'));
  if (!m) throw new Error(`no ${key} in /proc/self/status`);
  return Number(m[1]) * 1024;
}

async function main(): Promise<void> {
  const [modelDir, folder, seconds, window, hop, batch] = process.argv.slice(2);
  const longFile = path.join(folder, 'long.wav');
  const warmFile = path.join(folder, 'warm.wav');
  writeLongWav(longFile, Number(seconds));
  writeLongWav(warmFile, 60);
  const opts = { windowSeconds: Number(window), hopSeconds: Number(hop), batchSize: Number(batch) };
  const model = await loadModel(modelDir);
  // The same options on a short file first: the model's and the batches' buffers are in place.
  await model.predictLong(warmFile, opts);
  const baseline = statusBytes('VmRSS');
  fs.writeFileSync('/proc/self/clear_refs', '5'); // resets VmHWM (peak RSS) to the current RSS
  const t0 = process.hrtime.bigint();
  const r = await model.predictLong(longFile, opts);
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  const peak = statusBytes('VmHWM');
  model.dispose();
  const fileBytes = fs.statSync(longFile).size;
  console.log(JSON.stringify({ baseline, peak, windows: r.windows.length, seconds: r.seconds, elapsed, fileBytes }));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
