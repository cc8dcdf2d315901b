// A realistic report.json for the report and compare tests, generated from a seed: three test sets
// (MOSI with only valence, through a sentiment column), the paper's 11 robustness conditions and the
// preprint's 8, gender and per-speaker fairness with bootstrap intervals on two sets, efficiency for
// 2 and 4 layers at 1, 4 and 8 s clips, a 10-point convergence curve and skipped files. The CCCs,
// gaps, biases and means are computed from the generated values, so the numbers hang together.
import { REPORT_SCHEMA, REPORT_VERSION } from '../../lib/report/schema';
import type {
  FairnessReport,
  Interval,
  Report,
  RobustnessReport,
  RobustnessResult,
  Scores,
  SetReport,
  SpeakerScores,
  Spread,
} from '../../lib/report/schema';
import type { Dimension } from '../../lib/types';

export interface SampleOptions {
  /** The model's name (default 'w2v2-L-robust'). */
  name?: string;
  /** Seed of every generated number (default 1). */
  seed?: number;
  /** Gold/predicted pairs per set and dimension in the scatter (default 300). */
  scatterPoints?: number;
  /** How far the predictions follow the gold values (default .7; lower: a worse model). */
  quality?: number;
}

const ALL: Dimension[] = ['arousal', 'dominance', 'valence'];

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;

export function cccOf(gold: number[], pred: number[]): number | null {
  if (gold.length < 2) return null;
  const mg = mean(gold);
  const mp = mean(pred);
  let vg = 0;
  let vp = 0;
  let cov = 0;
  for (let i = 0; i < gold.length; i++) {
    vg += (gold[i] - mg) ** 2;
    vp += (pred[i] - mp) ** 2;
    cov += (gold[i] - mg) * (pred[i] - mp);
  }
  const n = gold.length;
  const denom = vg / n + vp / n + (mg - mp) ** 2;
  return denom > 0 ? (2 * cov) / n / denom : null;
}

function meanScores(values: Scores): number | null {
  const v = Object.values(values).filter((x): x is number => typeof x === 'number');
  return v.length ? mean(v) : null;
}

interface Rows {
  gold: Record<Dimension, number[]>;
  pred: Record<Dimension, number[]>;
  speaker: string[];
  gender: string[];
}

function makeRows(rand: () => number, n: number, quality: number, speakers: Array<[string, string]>): Rows {
  const gold = { arousal: [] as number[], dominance: [] as number[], valence: [] as number[] };
  const pred = { arousal: [] as number[], dominance: [] as number[], valence: [] as number[] };
  const speaker: string[] = [];
  const gender: string[] = [];
  for (let i = 0; i < n; i++) {
    const [s, g] = speakers[i % speakers.length];
    speaker.push(s);
    gender.push(g);
    for (const d of ALL) {
      const y = Math.min(1, Math.max(0, 0.5 + 0.18 * gaussian(rand)));
      const follow = d === 'valence' ? quality * 0.75 : quality;
      const offset = g === 'female' ? 0.02 : -0.01;
      gold[d].push(Number(y.toFixed(4)));
      pred[d].push(Number((0.5 + follow * (y - 0.5) + offset + 0.09 * gaussian(rand)).toFixed(4)));
    }
  }
  return { gold, pred, speaker, gender };
}

function pick(rows: Rows, keep: (i: number) => boolean, dims: Dimension[]): { gold: Record<string, number[]>; pred: Record<string, number[]> } {
  const gold: Record<string, number[]> = {};
  const pred: Record<string, number[]> = {};
  for (const d of dims) {
    gold[d] = rows.gold[d].filter((_, i) => keep(i));
    pred[d] = rows.pred[d].filter((_, i) => keep(i));
  }
  return { gold, pred };
}

function interval(rand: () => number, center: number | null): Interval | null {
  if (center === null) return null;
  const std = 0.02 + 0.03 * rand();
  const m = center - 0.01 + 0.02 * rand();
  return { mean: m, std, low: m - 1.96 * std, high: Math.min(1, m + 1.96 * std) };
}

function fairnessOf(rand: () => number, rows: Rows, dims: Dimension[], seed: number): FairnessReport {
  const byGender: FairnessReport['byGender'] = {};
  for (const g of ['female', 'male']) {
    const sel = pick(rows, (i) => rows.gender[i] === g, dims);
    const ccc: Scores = {};
    const meanError: Scores = {};
    for (const d of dims) {
      ccc[d] = cccOf(sel.gold[d], sel.pred[d]);
      meanError[d] = mean(sel.pred[d]) - mean(sel.gold[d]);
    }
    byGender[g] = { n: rows.gender.filter((x) => x === g).length, ccc, meanError };
  }
  const genderGap: Scores = {};
  const bias: Scores = {};
  for (const d of dims) {
    const f = byGender.female.ccc[d];
    const m = byGender.male.ccc[d];
    genderGap[d] = typeof f === 'number' && typeof m === 'number' ? f - m : null;
    bias[d] = (byGender.female.meanError[d] as number) - (byGender.male.meanError[d] as number);
  }
  const bySpeaker: Record<string, SpeakerScores> = {};
  for (const s of [...new Set(rows.speaker)]) {
    const sel = pick(rows, (i) => rows.speaker[i] === s, dims);
    const ccc: Scores = {};
    const bootstrap: SpeakerScores['bootstrap'] = {};
    for (const d of dims) {
      // One speaker with flat dominance labels: no CCC there, as evaluate() reports it.
      ccc[d] = s === 'spk-05' && d === 'dominance' ? null : cccOf(sel.gold[d], sel.pred[d]);
      bootstrap[d] = interval(rand, ccc[d] ?? null);
    }
    const n = rows.speaker.filter((x) => x === s).length;
    bySpeaker[s] = { n, gender: rows.gender[rows.speaker.indexOf(s)], ccc, bootstrap };
  }
  const speakerSpread: FairnessReport['speakerSpread'] = {};
  for (const d of dims) {
    const v = Object.values(bySpeaker).map((s) => s.ccc[d]).filter((x): x is number => typeof x === 'number');
    if (v.length === 0) {
      speakerSpread[d] = null;
      continue;
    }
    const m = mean(v);
    const spread: Spread = {
      speakers: v.length,
      min: Math.min(...v),
      max: Math.max(...v),
      mean: m,
      std: Math.sqrt(mean(v.map((x) => (x - m) ** 2))),
    };
    speakerSpread[d] = spread;
  }
  return {
    byGender,
    genderGap,
    bias,
    minSpeakerSamples: 20,
    bootstrap: { samples: 200, repetitions: 1000, seed },
    bySpeaker,
    speakerSpread,
  };
}

interface SetPlan {
  name: string;
  manifest: string;
  labelRange: [number, number];
  columns: Record<string, Dimension>;
  dimensions: Dimension[];
  rows: number;
  skipped: number;
  fairness: boolean;
  quality: number;
}

const SPEAKERS: Array<[string, string]> = [
  ['spk-01', 'female'],
  ['spk-02', 'male'],
  ['spk-03', 'female'],
  ['spk-04', 'male'],
  ['spk-05', 'female'],
  ['spk-06', 'male'],
];

// Named as lib/perturb.ts names them.
export const PAPER_CONDITIONS = [
  ...['human', 'interior', 'natural'].flatMap((c) => [0, 10, 20].map((snr) => `noise:${c}@${snr}dB`)),
  'speedup',
  'fade',
];
export const PREPRINT_CONDITIONS = ['tone', 'append-zeros', 'clip', 'crop-start', 'gain', 'highpass', 'lowpass', 'white-noise'];

function robustnessOf(rand: () => number, sets: SetReport[]): RobustnessReport {
  const results: RobustnessResult[] = [];
  for (const condition of [...PAPER_CONDITIONS, ...PREPRINT_CONDITIONS]) {
    const paper = PAPER_CONDITIONS.includes(condition);
    const snr = /@(\d+)dB$/.exec(condition);
    const harm = snr ? (25 - Number(snr[1])) / 25 : 0.2;
    for (const set of sets) {
      if (paper) {
        const ccc: Scores = {};
        const delta: Scores = {};
        for (const d of set.dimensions) {
          const clean = set.ccc[d] as number;
          delta[d] = -(0.01 + 0.22 * harm * rand());
          ccc[d] = clean + (delta[d]);
        }
        results.push({ set: set.name, condition, ccc, delta });
      } else {
        const stableShare: Scores = {};
        for (const d of set.dimensions) stableShare[d] = 0.55 + 0.45 * rand();
        results.push({ set: set.name, condition, stableShare });
      }
    }
  }
  const summary: RobustnessReport['summary'] = [];
  for (const set of sets) {
    for (const suite of ['paper', 'preprint'] as const) {
      const names = suite === 'paper' ? PAPER_CONDITIONS : PREPRINT_CONDITIONS;
      const mine = results.filter((r) => r.set === set.name && names.includes(r.condition));
      const m: Scores = {};
      for (const d of set.dimensions) m[d] = mean(mine.map((r) => ((suite === 'paper' ? r.delta : r.stableShare) as Scores)[d] as number));
      summary.push({ set: set.name, suite, mean: m });
    }
  }
  return {
    suites: ['paper', 'preprint'],
    seed: 1,
    noise: { source: 'folder', folder: '/data/esc50-by-class', classes: ['human', 'interior', 'natural'] },
    threshold: 0.05,
    conditions: [
      ...PAPER_CONDITIONS.map((name) => ({
        name,
        suite: 'paper' as const,
        description: name.startsWith('noise:')
          ? `a random '${name.slice(6, name.indexOf('@'))}' noise clip added at ${name.slice(name.indexOf('@') + 1, -2)} dB SNR`
          : name === 'fade'
            ? 'fade-in and fade-out, 2 % amplitude per second'
            : 'a random 10-20 % segment sped up x1.25',
      })),
      ...PREPRINT_CONDITIONS.map((name) => ({ name, suite: 'preprint' as const, description: `preprint perturbation: ${name}` })),
    ],
    results,
    summary,
  };
}

export function sampleReport(options: SampleOptions = {}): Report {
  const { name = 'w2v2-L-robust', seed = 1, scatterPoints = 300, quality = 0.7 } = options;
  const rand = mulberry32(seed);
  const plans: SetPlan[] = [
    { name: 'msp-test', manifest: 'msp/test.csv', labelRange: [1, 7], columns: { arousal: 'arousal', dominance: 'dominance', valence: 'valence' }, dimensions: ALL, rows: 1202, skipped: 2, fairness: true, quality },
    { name: 'iemocap', manifest: 'iemocap/all.csv', labelRange: [1, 5], columns: { arousal: 'arousal', dominance: 'dominance', valence: 'valence' }, dimensions: ALL, rows: 601, skipped: 1, fairness: true, quality: quality * 0.85 },
    { name: 'mosi', manifest: 'mosi/test.csv', labelRange: [-3, 3], columns: { sentiment: 'valence' }, dimensions: ['valence'], rows: 300, skipped: 0, fairness: false, quality: quality * 0.8 },
  ];
  const sets: SetReport[] = plans.map((p) => {
    const rows = makeRows(rand, scatterPoints, p.quality, SPEAKERS);
    const ccc: Scores = {};
    const scatter: SetReport['scatter'] = {};
    for (const d of p.dimensions) {
      ccc[d] = cccOf(rows.gold[d], rows.pred[d]);
      scatter[d] = { gold: rows.gold[d], pred: rows.pred[d] };
    }
    return {
      name: p.name,
      manifest: p.manifest,
      labelRange: p.labelRange,
      columns: p.columns,
      rows: p.rows,
      n: p.rows - p.skipped,
      dimensions: p.dimensions,
      ccc,
      cccMean: meanScores(ccc),
      fairness: p.fairness ? fairnessOf(rand, rows, p.dimensions, seed) : null,
      scatter,
    };
  });
  const overSets: Scores = {};
  for (const d of ALL) {
    const v = sets.map((s) => s.ccc[d]).filter((x): x is number => typeof x === 'number');
    overSets[d] = v.length ? mean(v) : null;
  }
  const latency = (layers: number) =>
    [1, 4, 8].map((clipSeconds) => {
      const p50Ms = (4 + 3.1 * layers) * clipSeconds * (0.9 + 0.2 * rand());
      return { clipSeconds, p50Ms, p95Ms: p50Ms * (1.1 + 0.2 * rand()), runs: 20 };
    });
  return {
    schema: REPORT_SCHEMA,
    version: REPORT_VERSION,
    createdAt: '2026-05-04T10:11:12.000Z',
    software: { serTorch: '0.1.0', libtorch: '1.13.1', node: 'v20.20.2' },
    model: {
      name,
      path: `/models/${name}`,
      modelType: 'wav2vec2',
      architectures: ['Wav2Vec2ForSpeechClassification'],
      labels: ['arousal', 'dominance', 'valence'],
      numLayers: 4,
      parameters: 18_263_811,
      precision: 'fp32',
      device: 'cpu',
    },
    sets,
    meanOverSets: { ccc: overSets, cccMean: meanScores(overSets) },
    robustness: robustnessOf(rand, sets),
    efficiency: {
      parameters: 18_263_811,
      sizeOnDiskBytes: 73_112_064,
      loadSeconds: 0.412 + 0.1 * rand(),
      peakRssBytes: 612_335_616,
      threads: 2,
      rows: [2, 4].map((numLayers) => ({
        numLayers,
        parameters: 11_000_000 + numLayers * 1_815_000,
        loadSeconds: 0.3 + 0.05 * numLayers * rand(),
        latency: latency(numLayers),
        throughput: { batchSize: 8, clipSeconds: 4, audioSecondsPerSecond: 220 / numLayers + 10 * rand() },
        ccc: numLayers === 4 ? { ...sets[0].ccc } : { arousal: 0.52 + 0.05 * rand(), dominance: 0.45 + 0.05 * rand(), valence: null },
      })),
    },
    convergence: {
      runDir: `/runs/${name}`,
      points: Array.from({ length: 10 }, (_, i) => {
        const devCcc: Scores = {};
        for (const d of ALL) devCcc[d] = 0.7 * (1 - Math.exp(-(i + 1) / 3)) - (d === 'valence' ? 0.1 : 0) + 0.02 * rand();
        return { step: (i + 1) * 50, epoch: Math.floor(i / 4), trainLoss: i === 0 ? null : 0.9 * Math.exp(-i / 4) + 0.15 + 0.02 * rand(), devCcc, devCccMean: meanScores(devCcc) };
      }),
    },
    skipped: [
      { set: 'msp-test', file: 'msp/audio/MSP-PODCAST_0153_0042.wav', line: 118, reason: 'AudioError: not a WAV, FLAC, OGG or MP3 file' },
      { set: 'msp-test', file: 'msp/audio/MSP-PODCAST_0412_0007.wav', line: 940, reason: 'AudioError: the file is empty' },
      { set: 'iemocap', file: 'iemocap/Session3/Ses03F_impro02_F011.wav', line: 233, reason: 'AudioError: truncated data chunk' },
    ],
    seconds: 812.4,
  };
}
