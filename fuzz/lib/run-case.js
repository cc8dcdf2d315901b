'use strict';
// Runs one case in the child: loads a model folder, predicts a file, reads and evaluates a
// manifest, or makes an API call from its description. Returns { value, checkFinite }.
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const { KIND, corpusDir } = require('./targets');
const { CALLER_ERROR } = require('./outcome');

const second = () => new Float32Array(16000).map((_, i) => 0.3 * Math.sin(i / 7));
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ser-fuzz-child-'));
let serial = 0;
const freshDir = () => fs.mkdtempSync(path.join(scratch, 'd'));

/** The JS value a {"$": ...} placeholder of an API call stands for. */
function decode(v, ctx) {
  if (Array.isArray(v)) return v.map((x) => decode(x, ctx));
  if (!v || typeof v !== 'object') return v;
  if (!('$' in v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decode(x, ctx)]));
  switch (v.$) {
    case 'model': return ctx.model;
    case 'modelDir': return ctx.goodDir;
    case 'audioFile': return path.join(corpusDir, 'audio', 'pcm16.wav');
    case 'manifest': return path.join(corpusDir, 'manifest', 'rows.csv');
    case 'tmpdir': return path.join(freshDir(), 'out');
    case 'caseFile': return path.join(ctx.caseDir, v.name);
    case 'undefined': return undefined;
    case 'NaN': return NaN;
    case 'Infinity': return Infinity;
    case '-Infinity': return -Infinity;
    case 'fn': return () => 1;
    case 'symbol': return Symbol('fuzz');
    case 'bigint': return 12n;
    case 'lyingArray': return new Array(2 ** 32 - 1);
    case 'sparseArray': { const a = []; a[999] = second(); return a; }
    case 'getterThrows': return Object.defineProperty({}, 'samples', { enumerable: true, get() { throw new Error(CALLER_ERROR); } });
    case 'proxyThrows': return new Proxy({}, { get() { throw new Error(CALLER_ERROR); }, ownKeys() { throw new Error(CALLER_ERROR); } });
    case 'nanSamples': return new Float32Array(1600).fill(NaN);
    case 'samples': return new Float32Array(v.n).fill(v.fill ?? 0.1);
    case 'fifo': {
      const file = path.join(scratch, `fifo-${serial++}.wav`);
      execFileSync('mkfifo', [file]);
      return file;
    }
    case 'abortedSignal': return AbortSignal.abort();
    case 'fakeSignal': return { aborted: false, addEventListener: 1 };
    case 'hugeString': return 'x'.repeat(1 << 24);
    default: throw new Error(`fuzz: unknown placeholder ${v.$}`);
  }
}

async function apiCall(ctx, file) {
  const call = JSON.parse(fs.readFileSync(file, 'utf8'));
  const args = decode(call.args, { ...ctx, caseDir: path.dirname(file) });
  const { ser, model } = ctx;
  switch (call.fn) {
    case 'loadModel': {
      const m = await ser.loadModel(...args);
      try {
        return { value: await m.predict([second()]), checkFinite: true };
      } finally {
        m.dispose();
      }
    }
    case 'predict': return { value: await model.predict(...args), checkFinite: true };
    case 'embed': return { value: await model.embed(...args), checkFinite: true };
    case 'logMel': return { value: (await ser.logMel(...args)).map((f) => f.features ?? f), checkFinite: true };
    case 'readManifest': return { value: await ser.readManifest(...args), checkFinite: false };
    case 'evaluate': return { value: (await ser.evaluate(...args)).predictions, checkFinite: true };
    case 'ccc': return { value: ser.ccc(...args), checkFinite: false }; // NaN for a constant series is CCC's own answer
    case 'save': return { value: await model.save(...args), checkFinite: false };
    case 'train': {
      // a run the fuzzed options leave long is stopped through its signal (an abort resolves)
      const stop = new AbortController();
      const timer = setTimeout(() => stop.abort(), 8000);
      const opts = args[0];
      if (opts && typeof opts === 'object' && !Array.isArray(opts) && !('signal' in opts)) args[0] = { ...opts, signal: stop.signal };
      try {
        return { value: await ser.train(...args), checkFinite: false };
      } finally {
        clearTimeout(timer);
      }
    }
    default: throw new Error(`fuzz: unknown call ${call.fn}`);
  }
}

async function runCase(ctx, target, input) {
  switch (KIND[target]) {
    case 'model': {
      const m = await ctx.ser.loadModel(input);
      try {
        return { value: await m.predict([second()]), checkFinite: true };
      } finally {
        m.dispose();
      }
    }
    case 'audio': return { value: await ctx.model.predict([input]), checkFinite: true };
    case 'manifest': {
      await ctx.ser.readManifest(input);
      return { value: (await ctx.ser.evaluate(ctx.model, input, { batchSize: 2 })).predictions, checkFinite: true };
    }
    case 'api': return apiCall(ctx, input);
    default: throw new Error(`fuzz: unknown target ${target}`);
  }
}

module.exports = { runCase };
