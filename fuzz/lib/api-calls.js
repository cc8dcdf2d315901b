'use strict';
// The API-argument target: a call is JSON ({ fn, args }) in which objects like {"$": "model"}
// stand for values JSON cannot hold (the loaded model, undefined, NaN, a function, a 2^32-1
// array, a getter that throws ...). The mutator swaps arguments and option values for hostile ones.

const samples = (n, fill = 0.1) => ({ $: 'samples', n, fill });
const SEED_CALLS = {
  loadModel: { fn: 'loadModel', args: [{ $: 'modelDir' }, { threads: 1, device: 'cpu' }] },
  predict: { fn: 'predict', args: [[samples(1600)], { batchSize: 2 }] },
  predictFile: { fn: 'predict', args: [[{ $: 'audioFile' }, { samples: samples(1600), sampleRate: 8000 }], {}] },
  embed: { fn: 'embed', args: [[samples(1600)], { batchSize: 1 }] },
  logMel: { fn: 'logMel', args: [[samples(1600)], { sampleRate: 16000, nMels: 16 }] },
  readManifest: { fn: 'readManifest', args: [{ $: 'manifest' }, [0, 1], { confineAudioPaths: true }] },
  evaluate: { fn: 'evaluate', args: [{ $: 'model' }, { $: 'manifest' }, { batchSize: 2 }] },
  train: {
    fn: 'train',
    args: [{ model: { $: 'modelDir' }, train: { $: 'manifest' }, dev: { $: 'manifest' }, outDir: { $: 'tmpdir' }, epochs: 1, batchSize: 2, maxClipSeconds: 0, threads: 1 }],
  },
  ccc: { fn: 'ccc', args: [[0.1, 0.2, 0.3], [0.1, 0.25, 0.35]] },
  save: { fn: 'save', args: [{ $: 'tmpdir' }] },
};

/** Values that have turned into TypeErrors, hangs or bad_alloc before (issue 11) or sit on a bound. */
const HOSTILE = [
  null, { $: 'undefined' }, { $: 'NaN' }, { $: 'Infinity' }, { $: '-Infinity' }, -1, 0, -0, 0.5, 1e6, 1e30, 2 ** 31, 2 ** 32, 2 ** 53,
  '', 'x', '../../../../etc/passwd', '/dev/zero', '/', [], {}, [null], [[]], true, { $: 'fn' }, { $: 'symbol' }, { $: 'bigint' },
  { $: 'lyingArray' }, { $: 'sparseArray' }, { $: 'getterThrows' }, { $: 'proxyThrows' }, { $: 'nanSamples' }, samples(0), samples(1),
  samples(16000 * 300), { $: 'fifo' }, { $: 'abortedSignal' }, { $: 'fakeSignal' }, { $: 'hugeString' }, { samples: samples(1600), sampleRate: 0 },
  { samples: samples(1600), sampleRate: 1 }, { samples: samples(1600), sampleRate: 1e9 }, { samples: [0.1, 'a'] },
];
/** Option names any call might be given, right or wrong. */
const OPTION_NAMES = ['threads', 'batchSize', 'device', 'precision', 'numLayers', 'sampleRate', 'signal', 'labelRange', 'lr', 'epochs',
  'seed', 'columns', 'confineAudioPaths', 'skipUnreadableAudio', 'maxClipSeconds', 'onEvent', 'resume', 'evalEvery', 'optimizer', '__proto__', 'constructor'];

/** A JSON path (array of keys) to every argument and option value. */
function paths(value, prefix = [], out = []) {
  out.push(prefix);
  if (value && typeof value === 'object' && !('$' in value)) {
    for (const k of Object.keys(value)) paths(value[k], [...prefix, k], out);
  }
  return out;
}

function setAt(root, at, v) {
  if (at.length === 0) return v;
  const copy = Array.isArray(root) ? [...root] : { ...root };
  copy[at[0]] = setAt(root[at[0]], at.slice(1), v);
  return copy;
}

function mutateCall(call, r) {
  let args = call.args;
  const rounds = 1 + r.int(2);
  for (let i = 0; i < rounds; i++) {
    const all = paths(args).filter((p) => p.length > 0);
    if (all.length === 0) {
      args = [r.pick(HOSTILE)]; // every argument was left out: one hostile one instead
      continue;
    }
    const at = r.pick(all);
    const kind = r.int(4);
    if (kind === 0 && at.length > 1) {
      // an option removed
      const parent = at.slice(0, -1);
      const target = parent.reduce((v, k) => v[k], args);
      if (target && typeof target === 'object') {
        const copy = Array.isArray(target) ? target.filter((_, j) => String(j) !== String(at[at.length - 1])) : { ...target };
        if (!Array.isArray(copy)) delete copy[at[at.length - 1]];
        args = setAt(args, parent, copy);
        continue;
      }
    }
    if (kind === 1) {
      // an option added, known or not
      const objects = all.filter((p) => {
        const v = p.reduce((x, k) => x[k], args);
        return v && typeof v === 'object' && !Array.isArray(v) && !('$' in v);
      });
      if (objects.length > 0) {
        const p = r.pick(objects);
        args = setAt(args, [...p, r.pick(OPTION_NAMES)], r.pick(HOSTILE));
        continue;
      }
    }
    if (kind === 2 && r.chance(0.3)) {
      args = args.slice(0, r.int(args.length + 1)); // arguments left out
      continue;
    }
    args = setAt(args, at, r.pick(HOSTILE));
  }
  return { fn: call.fn, args };
}

module.exports = { SEED_CALLS, HOSTILE, mutateCall };
