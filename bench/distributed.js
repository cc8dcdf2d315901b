'use strict';
// Data-parallel training on this machine: steps per second of train() on 1 rank and on 2 ranks
// (c10d Gloo over localhost), one intra-op thread per rank, the share of step time spent waiting
// on the gradient all-reduce after backward (what bucketing did not hide) and the bytes each rank
// all-reduces per step. Not a test.
//
//   node bench/distributed.js [--model wav2vec2-base] [--ranks 1,2] [--batch 4] [--seconds 2]
//                             [--steps 6] [--warmup 2] [--threads 1]
//
// The model: bench/.cache/<model> (random weights, bench/make-bench-models.py), CNN frozen, CCC
// loss, Adam 1e-4, dropout / LayerDrop / SpecAugment off. The corpus: batch * (warmup + steps)
// float WAVs of exactly --seconds (one epoch = the measured steps), in bench/.cache/distributed-data.
// Every rank is `node -r ./test/helpers/ts-register.js bench/distributed.js --worker <json>`
// (lib/ from source) with torchrun's variables set; rank 0's step events give the figures:
// step time = batch / samplesPerSecond (the global batch), communicationSeconds, allreduceBytes.
const { spawn } = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');

const ROOT = path.join(__dirname, '..');
const CACHE = path.join(__dirname, '.cache');
const RATE = 16000;

function parse(argv) {
  const o = { model: 'wav2vec2-base', ranks: '1,2', batch: 4, seconds: 2, steps: 6, warmup: 2, threads: 1 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in o)) throw new Error(`unknown option ${argv[i]}`);
    o[key] = typeof o[key] === 'number' ? Number(argv[i + 1]) : argv[i + 1];
  }
  return o;
}

function writeFloatWav(file, samples) {
  const data = Buffer.from(samples.buffer);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(3, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(RATE, 24);
  h.writeUInt32LE(RATE * 4, 28);
  h.writeUInt16LE(4, 32);
  h.writeUInt16LE(32, 34);
  h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  fs.writeFileSync(file, Buffer.concat([h, data]));
}

function makeCorpus(o) {
  const dir = path.join(CACHE, 'distributed-data');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  let seed = 4242;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const rows = ['file,arousal,dominance,valence'];
  for (let i = 0; i < o.batch * (o.warmup + o.steps); i++) {
    const samples = new Float32Array(Math.round(RATE * o.seconds)).map(() => (rand() - 0.5) * 0.2);
    writeFloatWav(path.join(dir, `clip${i}.wav`), samples);
    rows.push(`clip${i}.wav,${rand().toFixed(3)},${rand().toFixed(3)},${rand().toFixed(3)}`);
  }
  fs.writeFileSync(path.join(dir, 'train.csv'), rows.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'dev.csv'), rows.slice(0, 2).join('\n') + '\n');
  return dir;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function worker(o) {
  const { train } = require('../lib');
  const steps = [];
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ser-bench-dist-'));
  try {
    await train({
      model: path.join(CACHE, o.model), train: path.join(o.data, 'train.csv'), dev: path.join(o.data, 'dev.csv'), outDir,
      batchSize: o.batch, epochs: 1, maxClipSeconds: 0, seed: 1, threads: o.threads, dropout: 0, layerdrop: 0, maskTimeProb: 0,
      distributed: process.env.WORLD_SIZE ? 'env' : undefined,
      onEvent: (e) => { if (e.type === 'step') steps.push(e); },
    });
  } finally {
    if (process.env.RANK === undefined || process.env.RANK === '0') fs.rmSync(outDir, { recursive: true, force: true });
  }
  if (steps.length === 0) return; // not rank 0
  const timed = steps.slice(o.warmup);
  process.stdout.write(JSON.stringify({
    stepSeconds: median(timed.map((e) => o.batch / e.samplesPerSecond)),
    communicationSeconds: timed[0].communicationSeconds === undefined ? 0 : median(timed.map((e) => e.communicationSeconds)),
    allreduceBytes: timed[0].allreduceBytes ?? 0,
  }) + '\n');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function runWorld(world, o) {
  const port = await freePort();
  const outputs = await Promise.all(Array.from({ length: world }, (_, rank) => new Promise((resolve, reject) => {
    const env = world === 1 ? { ...process.env } : {
      ...process.env, RANK: String(rank), LOCAL_RANK: String(rank), WORLD_SIZE: String(world), LOCAL_WORLD_SIZE: String(world),
      MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port),
    };
    if (world === 1) for (const k of ['RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT']) delete env[k];
    const p = spawn(process.execPath, ['-r', './test/helpers/ts-register.js', __filename, '--worker', JSON.stringify(o)], {
      cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.setEncoding('utf8').on('data', (c) => (out += c));
    p.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`rank ${rank} of ${world} exited with ${code}`))));
  })));
  return JSON.parse(outputs[0]);
}

async function main() {
  if (process.argv[2] === '--worker') return worker(JSON.parse(process.argv[3]));
  const o = parse(process.argv.slice(2));
  if (!fs.existsSync(path.join(CACHE, o.model, 'config.json'))) {
    throw new Error(`bench/.cache/${o.model} is missing: run /usr/bin/python3 bench/make-bench-models.py ${o.model}`);
  }
  o.data = makeCorpus(o);
  console.log(`${o.model}, global batch ${o.batch} x ${o.seconds} s, ${o.threads} thread(s) per rank, ` +
    `median of ${o.steps} steps after ${o.warmup} warm-up, ${os.cpus().length} CPUs`);
  console.log('ranks  step s  steps/s  speed-up  comm wait s  comm share  all-reduced MB/step/rank');
  let base = null;
  const results = [];
  for (const world of o.ranks.split(',').map(Number)) {
    const r = await runWorld(world, o);
    base = base ?? r.stepSeconds;
    results.push({ world, ...r });
    console.log(`${String(world).padStart(5)}  ${r.stepSeconds.toFixed(3).padStart(6)}  ${(1 / r.stepSeconds).toFixed(2).padStart(7)}  ` +
      `${(base / r.stepSeconds).toFixed(2).padStart(8)}  ${r.communicationSeconds.toFixed(3).padStart(11)}  ` +
      `${((100 * r.communicationSeconds) / r.stepSeconds).toFixed(1).padStart(9)}%  ${(r.allreduceBytes / 1e6).toFixed(1).padStart(10)}`);
  }
  fs.writeFileSync(path.join(CACHE, 'distributed-results.json'), JSON.stringify({ options: o, results }, null, 2) + '\n');
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
