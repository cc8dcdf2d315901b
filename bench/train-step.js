'use strict';
// Fine-tuning step benchmark: wav2vec2-base (random weights, bench/.cache/wav2vec2-base), batch
// 2 x 4 s, CNN frozen, CCC loss, Adam 1e-4, against Debian's PyTorch doing the same step with the
// same weights in the same run (bench/peer_train_pytorch.py), default and tuned. Ratios only mean
// something within one run.
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const ser = require('..');

const CACHE = path.join(__dirname, '.cache');
const SHAPE = 'wav2vec2-base';
const BATCH = 2;
const SECONDS = 4;
const WARMUP = 2;
const ITERS = Number(process.env.BENCH_ITERS || 5);
const PYTHON = '/usr/bin/python3';

function writeFloatWav(file, samples, rate) {
  const data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(3, 20); // IEEE float
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 4, 28);
  h.writeUInt16LE(4, 32);
  h.writeUInt16LE(32, 34);
  h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  fs.writeFileSync(file, Buffer.concat([h, data]));
}

// A corpus of BATCH * (WARMUP + ITERS) clips of 4 s: one epoch = the timed steps.
function makeCorpus() {
  const dir = path.join(CACHE, 'train-step-data');
  fs.mkdirSync(dir, { recursive: true });
  const n = BATCH * (WARMUP + ITERS);
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const rows = ['file,arousal,dominance,valence'];
  for (let i = 0; i < n; i++) {
    const file = `clip${i}.wav`;
    const samples = new Float32Array(16000 * SECONDS).map(() => (rand() - 0.5) * 0.2);
    writeFloatWav(path.join(dir, file), samples, 16000);
    rows.push(`${file},${rand().toFixed(3)},${rand().toFixed(3)},${rand().toFixed(3)}`);
  }
  fs.writeFileSync(path.join(dir, 'train.csv'), rows.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'dev.csv'), rows.slice(0, 3).join('\n') + '\n');
  return dir;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function peer(env, threads) {
  const args = [path.join(__dirname, 'peer_train_pytorch.py'), '--shape', SHAPE, '--batch', String(BATCH),
    '--seconds', String(SECONDS), '--warmup', String(WARMUP), '--iters', String(ITERS)];
  if (threads) args.push('--threads', String(threads));
  const r = spawnSync(PYTHON, args, { env: { ...process.env, ...env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`peer failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

async function main() {
  const made = spawnSync(PYTHON, [path.join(__dirname, 'make-bench-models.py')], { stdio: 'inherit' });
  if (made.status !== 0) throw new Error('make-bench-models.py failed');
  const data = makeCorpus();
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ser-bench-train-'));
  const steps = [];
  await ser.train({
    model: path.join(CACHE, SHAPE), train: path.join(data, 'train.csv'), dev: path.join(data, 'dev.csv'), outDir,
    batchSize: BATCH, epochs: 1, maxClipSeconds: 0, dropout: 0, layerdrop: 0, maskTimeProb: 0, seed: 1,
    onEvent: (e) => { if (e.type === 'step') steps.push(e); },
  });
  fs.rmSync(outDir, { recursive: true, force: true });
  const timed = steps.slice(WARMUP).map((e) => (BATCH * SECONDS) / e.audioSecondsPerSecond);
  const ours = (BATCH * SECONDS) / median(timed);
  const rss = process.resourceUsage().maxRSS / 1024;
  const cores = os.cpus().length;
  const def = peer({}, 0);
  const tuned = peer({ OMP_WAIT_POLICY: 'PASSIVE', MALLOC_MMAP_THRESHOLD_: '1073741824', MALLOC_TRIM_THRESHOLD_: '1073741824',
    MALLOC_TOP_PAD_: '67108864' }, cores);
  const row = (name, v) => `${name.padEnd(22)} ${v.toFixed(2).padStart(8)}`;
  console.log(`\nFine-tuning step, ${SHAPE}, batch ${BATCH} x ${SECONDS} s, CNN frozen, CCC loss, Adam 1e-4; ` +
    `${WARMUP} warm-up steps, median of ${ITERS}`);
  console.log('audio-seconds per second (higher is better)');
  console.log(row('ser-torch', ours));
  console.log(row('PyTorch default', def.audio_s_per_s));
  console.log(row('PyTorch tuned', tuned.audio_s_per_s));
  console.log(`ratio vs default ${(ours / def.audio_s_per_s).toFixed(2)}x, vs tuned ${(ours / tuned.audio_s_per_s).toFixed(2)}x`);
  console.log(`peak RSS MB: ser-torch ${rss.toFixed(0)}, PyTorch default ${def.max_rss_mb.toFixed(0)}, tuned ${tuned.max_rss_mb.toFixed(0)}`);
  fs.writeFileSync(path.join(CACHE, 'train-step-results.json'), JSON.stringify({ ours, steps: timed, rss, default: def, tuned }, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
