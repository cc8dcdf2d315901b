// `ser-torch evaluate`: with one manifest, the quick CCC view as JSON; with --set (any number), the
// paper's whole evaluation, written as report.json + report.html with --report.
import type { Command } from 'commander';

import { evaluate } from '../evaluate';
import type { EvaluationOptions, EvaluationSet, SuiteName } from '../evaluation/options';
import { InputError } from '../errors';
import { type LabelRange, parseLabelRange } from '../label-range';
import type { Device, Dimension, Precision } from '../types';
import { writeReport } from '../report/write-report';
import { evaluationProgressPrinter } from './evaluation-progress';

interface EvaluateCliOptions {
  set: string[];
  labelRange?: LabelRange;
  confineAudioPaths?: boolean;
  device: Device;
  precision: Precision;
  batchSize?: number;
  robustness?: string;
  noise?: string;
  condition?: string[];
  seed?: number;
  fairness?: boolean;
  minSpeakerSamples?: number;
  bootstrapSamples?: number;
  bootstrapRepetitions?: number;
  efficiency?: boolean;
  numLayers?: number[];
  clipSeconds?: number[];
  efficiencyCcc?: boolean;
  trainingRun?: string;
  name?: string;
  report?: string;
  json?: boolean;
  progress: boolean;
}

/** --set name=path[:range[:column=dimension,...]], e.g. mosi=mosi/test.csv:mosi:sentiment=valence */
export function parseSet(text: string, sets: Record<string, EvaluationSet> = {}): Record<string, EvaluationSet> {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new InputError(`--set ${text}: expected name=manifest[:labelRange[:column=dimension,...]]`);
  const name = text.slice(0, eq);
  const [manifest, range, columns, ...rest] = text.slice(eq + 1).split(':');
  if (!manifest || rest.length) throw new InputError(`--set ${text}: expected name=manifest[:labelRange[:column=dimension,...]]`);
  if (sets[name]) throw new InputError(`--set ${text}: the set name '${name}' is given twice`);
  const set: EvaluationSet = { manifest };
  if (range) set.labelRange = parseLabelRange(range);
  if (columns) {
    set.columns = {};
    for (const pair of columns.split(',')) {
      const [column, dim, extra] = pair.split('=');
      if (!column || !dim || extra !== undefined) throw new InputError(`--set ${text}: column mappings are column=dimension, got '${pair}'`);
      set.columns[column] = dim as Dimension;
    }
  }
  return { ...sets, [name]: set };
}

/** Repeatable and comma-separated: --condition gain,tone --condition fade */
const collect = (v: string, prev: string[] = []) => [...prev, ...v.split(',').filter((x) => x !== '')];
const numbers = (v: string) => v.split(',').map((x) => (x.trim() === '' ? NaN : Number(x)));

export function registerEvaluateCommand(program: Command): void {
  program
    .command('evaluate')
    .description('score a model: CCC on a manifest, or with --set the paper\'s evaluation (robustness, fairness, efficiency, report)')
    .argument('<model>', 'model folder')
    .argument('[manifest]', 'one manifest with labels (the quick view, printed as JSON)')
    .option('--set <name=manifest[:range[:col=dim,...]]>', 'a named test set (repeat); e.g. mosi=mosi/test.csv:mosi:sentiment=valence', parseSet, {})
    .option('--label-range <range>', 'min,max or a preset (with <manifest>)', parseLabelRange)
    .option('--robustness <suites>', 'paper, preprint or paper,preprint')
    .option('--noise <folder>', 'noise clips, one sub-folder per class (default: built-in white, pink, babble)')
    .option('--condition <names>', 'only these robustness conditions (comma-separated or repeated)', collect)
    .option('--seed <n>', 'seed of the perturbations and the bootstrap', Number)
    .option('--fairness', 'per-gender and per-speaker scores (needs speaker and gender columns)')
    .option('--min-speaker-samples <n>', 'speakers with more rows get their own CCC (default 200)', Number)
    .option('--bootstrap-samples <n>', 'rows drawn per bootstrap repetition (default 200)', Number)
    .option('--bootstrap-repetitions <n>', 'bootstrap repetitions (default 1000)', Number)
    .option('--efficiency', 'parameters, size, load time, latency, throughput, memory')
    .option('--num-layers <list>', 'also measure the model pruned to these layer counts, e.g. 6,8,10', numbers)
    .option('--clip-seconds <list>', 'latency at these clip lengths (default 1,4,8,16)', numbers)
    .option('--efficiency-ccc', 'score each pruned model on the first set')
    .option('--training-run <dir>', 'the training run folder (metrics.jsonl) for the convergence curve')
    .option('--name <name>', 'the model\'s name in the report')
    .option('--report <dir>', 'write report.json and report.html there')
    .option('--json', 'print the report as JSON on stdout')
    .option('--no-progress', 'no progress bar')
    .option('--device <device>', 'cpu, cuda or cuda:N', 'cpu')
    .option('--precision <p>', 'fp32, bf16, int8 or auto', 'fp32')
    .option('--batch-size <n>', 'inputs per forward pass', Number)
    .option('--confine-audio-paths', "refuse manifest audio paths outside the manifest's folder")
    .action(async (dir: string, manifest: string | undefined, o: EvaluateCliOptions) => {
      const setOptions = o.set as unknown as Record<string, EvaluationSet>;
      const load = { device: o.device, precision: o.precision, batchSize: o.batchSize, confineAudioPaths: o.confineAudioPaths };
      if (manifest !== undefined) {
        if (Object.keys(setOptions).length) throw new InputError('evaluate: give either <manifest> or --set, not both');
        const { predictions, ...report } = await evaluate(dir, manifest, { ...load, labelRange: o.labelRange });
        console.log(JSON.stringify({ ...report, predictions: predictions.length }, null, 2));
        return;
      }
      if (!Object.keys(setOptions).length) throw new InputError('evaluate: give a <manifest> or at least one --set name=manifest');
      if (o.labelRange !== undefined) throw new InputError('evaluate: --label-range goes with <manifest>; give each --set its own range (name=manifest:range)');
      const options: EvaluationOptions = {
        ...load,
        sets: setOptions,
        trainingRun: o.trainingRun,
        name: o.name,
        onProgress: o.progress ? evaluationProgressPrinter() : undefined,
      };
      if (o.robustness !== undefined || o.noise !== undefined || o.condition !== undefined) {
        options.robustness = {
          suite: (o.robustness ?? 'paper').split(',') as SuiteName[],
          noise: o.noise,
          conditions: o.condition,
          seed: o.seed,
        };
      }
      if (o.fairness || o.minSpeakerSamples !== undefined || o.bootstrapSamples !== undefined || o.bootstrapRepetitions !== undefined) {
        options.fairness = {
          minSpeakerSamples: o.minSpeakerSamples,
          seed: o.seed,
          bootstrap: { samples: o.bootstrapSamples, repetitions: o.bootstrapRepetitions },
        };
      }
      if (o.efficiency || o.numLayers !== undefined || o.clipSeconds !== undefined || o.efficiencyCcc) {
        options.efficiency = { numLayers: o.numLayers, clipSeconds: o.clipSeconds, ccc: o.efficiencyCcc };
      }
      const report = await evaluate(dir, options);
      if (o.progress) process.stderr.write('\n');
      if (o.report) {
        const written = await writeReport(report, o.report);
        console.error(`report: ${written.html}`);
      }
      if (o.json || !o.report) console.log(JSON.stringify(report, null, 2));
      for (const s of report.sets) {
        const scores = Object.entries(s.ccc).map(([d, v]) => `${d} ${v === null || v === undefined ? '-' : v.toFixed(3)}`).join(', ');
        console.error(`${s.name}: CCC ${scores} (n ${s.n}${s.rows > s.n ? `, ${s.rows - s.n} skipped` : ''})`);
      }
    });
}
