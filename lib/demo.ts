// The embedded default job: generate a synthetic corpus with planted arousal / dominance /
// valence, fine-tune a small wav2vec2 on it with the real training loop, score the test split
// against the planted truth, predict one clip with the saved model, and run the paper's evaluation
// (robustness under built-in noise, fairness over the synthetic speakers, efficiency, convergence)
// into report.json + report.html.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { native } from './errors';
import type { EvaluationProgress } from './evaluation/options';
import { evaluate, type EvaluationReport, readManifest } from './evaluate';
import { type Dimension, loadModel, type Prediction } from './model';
import { nativeAddon } from './native';
import type { Report } from './report/schema';
import { writeReport } from './report/write-report';
import { train, type TrainEvent, type TrainResult } from './train';
import { DIMENSIONS, type PerDimension } from './types';
import { checkBoolean, checkFunction, checkInteger, checkOneOf, checkString, optionsObject } from './validate';

/**
 * The test CCC every dimension must reach. Full demo: measured 0.93-0.99 on 2-core machines of one
 * kind (dominance is the hardest). Quick demo (half the data, 10 epochs): what test/train.test.ts
 * checks; it has reached dominance 0.85 on such a machine, so it is a smoke test, not a result.
 */
export const DEMO_GOAL = { full: 0.9, quick: 0.8 } as const;

export interface DemoOptions {
  outDir?: string;
  /** Smaller corpus and fewer epochs (the test suite's version). */
  quick?: boolean;
  seed?: number;
  /** Training and test scoring: 'fp32' (default), 'bf16' or 'auto'. */
  precision?: 'fp32' | 'bf16' | 'auto';
  onEvent?: (event: TrainEvent) => void;
  onStage?: (stage: string) => void;
  /** The evaluation's progress (files per stage). */
  onProgress?: (progress: EvaluationProgress) => void;
}

export interface DemoReport {
  outDir: string;
  modelDir: string;
  train: TrainResult;
  test: EvaluationReport;
  /** The first test clip: its planted values (mapped to [0, 1]) and the saved model's prediction. */
  example: { file: string; planted: PerDimension; predicted: Prediction };
  /** The paper's evaluation of the trained model, and where report.json / report.html were written. */
  evaluation: Report;
  reportFiles: { json: string; html: string };
  /** What training and scoring computed in ('auto' resolved). */
  precision: 'fp32' | 'bf16';
  /** DEMO_GOAL for this mode, and the dimensions whose test CCC fell short of it. */
  goal: { minCcc: number; met: boolean; missed: Dimension[] };
  seconds: number;
}

/** A small wav2vec2-base-shaped model: group-norm CNN, post-LN encoder, 2 layers of 64. */
export const DEMO_MODEL_CONFIG = {
  model_type: 'wav2vec2',
  architectures: ['Wav2Vec2Model'],
  hidden_size: 64,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  intermediate_size: 128,
  conv_dim: [64, 64, 64, 64, 64, 64, 64],
  conv_kernel: [10, 3, 3, 3, 3, 2, 2],
  conv_stride: [5, 2, 2, 2, 2, 2, 2],
  conv_bias: false,
  feat_extract_norm: 'group',
  do_stable_layer_norm: false,
  num_conv_pos_embeddings: 16,
  num_conv_pos_embedding_groups: 4,
  layer_norm_eps: 1e-5,
  hidden_dropout: 0.1,
  attention_dropout: 0.1,
  activation_dropout: 0.0,
  feat_proj_dropout: 0.0,
  final_dropout: 0.1,
  layerdrop: 0.0,
  mask_time_prob: 0.05,
  mask_time_length: 5,
  mask_time_min_masks: 1,
};

/** The synthetic corpus's labels are on MSP-Podcast's 1-7 scale. */
const LABEL_RANGE = 'msp-podcast';

const PREPROCESSOR = { do_normalize: true, sampling_rate: 16000, return_attention_mask: true, feature_size: 1 };

/** The seed and the stage callback both halves use (one default for each). */
const demoSeed = (opts: DemoOptions): number => opts.seed ?? 7;
const demoStage = (opts: DemoOptions): ((stage: string) => void) => opts.onStage ?? (() => undefined);

function checkDemoOptions(options: DemoOptions | null | undefined): DemoOptions {
  const opts = optionsObject('runDemo', options);
  checkString('runDemo', 'outDir', opts.outDir);
  checkBoolean('runDemo', 'quick', opts.quick);
  checkInteger('runDemo', 'seed', opts.seed, 0);
  checkOneOf('runDemo', 'precision', opts.precision, ['fp32', 'bf16', 'auto']);
  checkFunction('runDemo', 'onEvent', opts.onEvent);
  checkFunction('runDemo', 'onStage', opts.onStage);
  checkFunction('runDemo', 'onProgress', opts.onProgress);
  return opts;
}

/** What the demo's first half leaves: the corpus, the run, and the test split scored. */
export interface DemoFineTuning {
  outDir: string;
  corpus: { train: string; dev: string; test: string };
  train: TrainResult;
  test: EvaluationReport;
  precision: 'fp32' | 'bf16';
  /** DEMO_GOAL for this mode, and the dimensions whose test CCC fell short of it. */
  goal: { minCcc: number; met: boolean; missed: Dimension[] };
}

/**
 * The demo's first half: the synthetic corpus, a small wav2vec2 fine-tuned on it, and its test
 * CCC against the planted values. runDemo() adds the paper's evaluation and the report; the test
 * suite runs this half alone for the bf16 run.
 */
export async function fineTuneDemo(options?: DemoOptions | null): Promise<DemoFineTuning> {
  const opts = checkDemoOptions(options);
  const outDir = opts.outDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ser-torch-demo-'));
  const seed = demoSeed(opts);
  const stage = demoStage(opts);
  const addon = await native(() => nativeAddon());

  stage('generating the synthetic corpus');
  const sizes = opts.quick ? { train: 320, dev: 64, test: 64 } : { train: 640, dev: 128, test: 128 };
  const corpus = await native(() => addon.synthesizeCorpus({ dir: path.join(outDir, 'corpus'), ...sizes, seed }));

  stage('initialising a small wav2vec2');
  const initDir = path.join(outDir, 'init');
  fs.mkdirSync(initDir, { recursive: true });
  await native(() => addon.createModel(initDir, JSON.stringify(DEMO_MODEL_CONFIG), JSON.stringify(PREPROCESSOR), false, seed));

  stage('fine-tuning');
  let precision: 'fp32' | 'bf16' = 'fp32';
  const result = await train({
    model: initDir,
    train: corpus.train,
    dev: corpus.dev,
    outDir: path.join(outDir, 'run'),
    labelRange: LABEL_RANGE,
    lr: 2e-3,
    batchSize: 16,
    epochs: opts.quick ? 10 : 14,
    maxClipSeconds: 2,
    // The CNN starts from random weights here (no pre-training), so it is trained too.
    freezeFeatureEncoder: false,
    lrSchedule: 'linear',
    seed,
    precision: opts.precision,
    onEvent: (e) => {
      if (e.type === 'start') precision = e.precision;
      opts.onEvent?.(e);
    },
  });

  stage('scoring the test split against the planted values');
  const test = await evaluate(result.bestDir, corpus.test, { labelRange: LABEL_RANGE, precision });
  const minCcc = opts.quick ? DEMO_GOAL.quick : DEMO_GOAL.full;
  const missed = test.dimensions.filter((d) => !(test.ccc[d] >= minCcc));
  const goal = { minCcc, met: missed.length === 0 && test.dimensions.length === DIMENSIONS.length, missed };
  return { outDir, corpus, train: result, test, precision, goal };
}

export async function runDemo(options?: DemoOptions | null): Promise<DemoReport> {
  const opts = checkDemoOptions(options);
  const started = Date.now();
  const seed = demoSeed(opts);
  const stage = demoStage(opts);
  const { outDir, corpus, train: result, test, precision, goal } = await fineTuneDemo(opts);
  const model = await loadModel(result.bestDir, { precision });
  try {
    // The manifest reader maps the labels as evaluate() does: no second copy of the scale here.
    const { rows } = await readManifest(corpus.test, LABEL_RANGE);
    const { path: exampleFile, labels: planted } = rows[0];
    const [predicted] = await model.predict(exampleFile);
    stage('evaluating: robustness, fairness, efficiency; writing the report');
    const evaluation = await evaluate(result.bestDir, {
      name: 'demo wav2vec2 (synthetic)',
      precision,
      sets: { 'synthetic-test': { manifest: corpus.test, labelRange: LABEL_RANGE } },
      robustness: { suite: ['paper', 'preprint'], seed },
      // The synthetic speakers have 8 (quick) or 16 (full) test clips each.
      fairness: { minSpeakerSamples: opts.quick ? 4 : 8, seed },
      efficiency: { numLayers: [1], clipSeconds: [1, 2, 4], runs: 3, batchSizes: [1, 4, 16], ccc: true },
      trainingRun: path.join(outDir, 'run'),
      onProgress: opts.onProgress,
    });
    const reportFiles = await writeReport(evaluation, path.join(outDir, 'report'));
    return {
      outDir,
      modelDir: result.bestDir,
      train: result,
      test,
      example: { file: exampleFile, planted, predicted },
      evaluation,
      reportFiles,
      precision,
      goal,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    model.dispose();
  }
}
