#!/usr/bin/env node
// The `ser-torch` command line: predict, embed, train, evaluate, demo, info.

import { existsSync } from 'fs';
import * as path from 'path';

import { Command } from 'commander';

import { runDemo } from '../demo';
import { InputError } from '../errors';
import { type LabelRange, parseLabelRange } from '../label-range';
import { loadModel, type Device, type Precision } from '../model';
import { packageVersion } from '../package-version';
import { info } from '../runtime';
import { train, type TrainOptions } from '../train';
import { errorLine } from './error-line';
import { registerEvaluateCommand } from './evaluate-command';
import { evaluationProgressPrinter } from './evaluation-progress';
import { registerPerturbCommand } from './perturb-command';
import { registerPredictCommand } from './predict-command';
import { registerReportCommand } from './report-command';
import { progressPrinter } from './progress';

// What commander hands each action (its option names, camel-cased; values as parsed below).
interface TrainCliOptions {
  model?: string;
  architecture?: TrainOptions['architecture'];
  train: string;
  dev: string;
  out: string;
  labelRange?: LabelRange;
  optimizer?: TrainOptions['optimizer'];
  lr?: number;
  batchSize?: number;
  epochs?: number;
  maxBatchSeconds?: number;
  maxClipSeconds?: number;
  numLayers?: number;
  unfreezeCnn?: boolean;
  device: Device;
  precision?: TrainOptions['precision'];
  seed?: number;
  resume?: boolean;
  json?: boolean;
  confineAudioPaths?: boolean;
  nproc?: number;
}

interface DemoCliOptions {
  out?: string;
  quick?: boolean;
  precision: 'fp32' | 'bf16' | 'auto';
}

const program = new Command();
program
  .name('ser-torch')
  .description('Speech emotion recognition (arousal, dominance, valence) on libtorch')
  .version(packageVersion(), '-V, --version', 'print the ser-torch version');

registerPredictCommand(program);

program
  .command('embed')
  .description('print pooled embeddings as JSON lines')
  .argument('<model>', 'model folder in Hugging Face layout')
  .argument('<files...>', 'audio files')
  .option('--device <device>', 'cpu, cuda or cuda:N', 'cpu')
  .option('--precision <p>', 'fp32, bf16, int8 or auto', 'fp32')
  .action(async (dir: string, files: string[], opts: { device: Device; precision: Precision }) => {
    const model = await loadModel(dir, { device: opts.device, precision: opts.precision });
    try {
      const embeddings = await model.embed(files);
      embeddings.forEach((e, i) => console.log(JSON.stringify({ file: files[i], embedding: Array.from(e) })));
    } finally {
      model.dispose();
    }
  });

program
  .command('train')
  .description('fine-tune a model with the CCC loss (the paper\'s recipe by default)')
  .option('--model <dir>', 'HF backbone or fine-tuned model folder, or a PANNs .pth (with --architecture cnn14)')
  .option('--architecture <name>', 'cnn14: the CNN14 baseline (from scratch without --model)')
  .requiredOption('--train <manifest>', 'training manifest (CSV or JSONL)')
  .requiredOption('--dev <manifest>', 'development manifest')
  .requiredOption('--out <dir>', 'output folder (best/ and last/ checkpoints)')
  .option('--label-range <range>', 'min,max or a preset (msp-podcast, iemocap, mosi)', parseLabelRange)
  .option('--optimizer <name>', 'adam or sgd (default: adam; sgd for cnn14)')
  .option('--lr <lr>', 'learning rate', Number)
  .option('--batch-size <n>', 'batch size', Number)
  .option('--epochs <n>', 'epochs', Number)
  .option('--max-batch-seconds <s>', 'padded audio per forward pass (gradient accumulation beyond)', Number)
  .option('--max-clip-seconds <s>', 'training crop length', Number)
  .option('--num-layers <n>', 'keep the first N transformer layers', Number)
  .option('--unfreeze-cnn', 'also train the CNN feature encoder')
  .option('--device <device>', 'cpu, cuda or cuda:N', 'cpu')
  .option('--precision <p>', 'fp32, bf16 (mixed, float32 master weights) or auto')
  .option('--seed <n>', 'random seed', Number)
  .option('--resume', 'continue from <out>/last')
  .option('--json', 'events as JSON lines on stdout')
  .option('--confine-audio-paths', "refuse manifest audio paths outside the manifest's folder")
  .option('--nproc <n>', 'data-parallel: n processes on this machine (the batch is split across them)', Number)
  .action(async (o: TrainCliOptions) => {
    if (o.nproc !== undefined) {
      process.exitCode = await runLocalRanks(o.nproc);
      return;
    }
    const controller = new AbortController();
    process.once('SIGINT', () => controller.abort());
    // Started by torchrun (or by --nproc): one rank of a data-parallel run.
    const distributed = process.env.RANK !== undefined && process.env.WORLD_SIZE !== undefined ? 'env' : undefined;
    // torchrun --max_restarts: a restarted group continues from outDir/last.
    const restarted = distributed !== undefined && Number(process.env.TORCHELASTIC_RESTART_COUNT ?? 0) > 0 &&
      existsSync(path.join(o.out, 'last', 'trainer_state.json'));
    const result = await train({
      distributed,
      architecture: o.architecture, model: o.model, train: o.train, dev: o.dev, outDir: o.out, labelRange: o.labelRange, optimizer: o.optimizer,
      lr: o.lr, batchSize: o.batchSize, epochs: o.epochs, maxBatchSeconds: o.maxBatchSeconds,
      maxClipSeconds: o.maxClipSeconds, numLayers: o.numLayers, freezeFeatureEncoder: !o.unfreezeCnn,
      device: o.device, precision: o.precision, seed: o.seed, resume: o.resume === true || restarted, signal: controller.signal,
      confineAudioPaths: o.confineAudioPaths,
      onEvent: o.json ? (e) => console.log(JSON.stringify(e)) : progressPrinter(),
    });
    if (o.json) console.log(JSON.stringify({ type: 'result', ...result }));
    else console.error(`best: ${result.bestDir} (dev CCC ${JSON.stringify(result.bestDevCcc)})${result.aborted ? ' [aborted]' : ''}`);
  });

/**
 * `train --nproc n`: this command again in n child processes with torchrun's variables set
 * (rank 0 serves the rendezvous on a free local port). Rank 0's output is this command's; the
 * others' stderr is passed on with their rank. Resolves to the first failing exit code, else 0.
 */
async function runLocalRanks(n: number): Promise<number> {
  if (!Number.isInteger(n) || n < 1 || n > 1024) throw new InputError(`train: --nproc must be an integer in [1, 1024], got ${n}`);
  if (process.env.RANK !== undefined) throw new InputError('train: --nproc inside a launched rank (RANK is set): use one or the other');
  const { spawn } = await import('child_process');
  const net = await import('net');
  const port = await new Promise<number>((resolve, reject) => {
    const server = net.createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const p = (server.address() as { port: number }).port;
      server.close(() => resolve(p));
    });
  });
  const args = process.argv.slice(2);
  const at = args.findIndex((a) => a === '--nproc' || a.startsWith('--nproc='));
  args.splice(at, args[at] === '--nproc' ? 2 : 1);
  const codes = await Promise.all(
    Array.from({ length: n }, (_, rank) => {
      const env = { ...process.env, RANK: String(rank), LOCAL_RANK: String(rank), WORLD_SIZE: String(n),
        LOCAL_WORLD_SIZE: String(n), MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port) };
      const child = spawn(process.execPath, [...process.execArgv, process.argv[1], ...args], {
        env, stdio: ['ignore', rank === 0 ? 'inherit' : 'ignore', rank === 0 ? 'inherit' : 'pipe'],
      });
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
        for (const line of chunk.split('\n').filter(Boolean)) process.stderr.write(`[rank ${rank}] ${line}\n`);
      });
      process.on('SIGINT', () => child.kill('SIGINT'));
      return new Promise<number>((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
    }),
  );
  return codes.find((c) => c !== 0) ?? 0;
}

registerEvaluateCommand(program);
registerPerturbCommand(program);
registerReportCommand(program);

program
  .command('demo')
  .description('synthetic corpus -> fine-tune a small wav2vec2 -> test CCC against the planted truth')
  .option('--out <dir>', 'where to write the corpus and the model (default: a temporary folder)')
  .option('--quick', 'smaller and shorter (the test suite\'s version)')
  .option('--precision <p>', 'fp32, bf16 or auto: training and the test scoring', 'fp32')
  .action(async (o: DemoCliOptions) => {
    const report = await runDemo({
      outDir: o.out, quick: o.quick, precision: o.precision, onEvent: progressPrinter(),
      onStage: (s) => console.error(`ser-torch demo: ${s}`),
      onProgress: evaluationProgressPrinter(),
    });
    process.stderr.write('\n');
    const { goal } = report;
    const mode = o.quick ? 'quick demo, a smoke test' : 'full demo';
    console.log(`\nTest CCC against the planted values (precision ${report.precision}; goal: each >= ${goal.minCcc}, ${mode}):`);
    for (const d of report.test.dimensions) {
      const mark = goal.missed.includes(d) ? '  below the goal' : '';
      console.log(`  ${d.padEnd(10)} ${report.test.ccc[d].toFixed(3)}${mark}`);
    }
    console.log(goal.met ? 'goal met' : `goal NOT met (${goal.missed.join(', ')} below ${goal.minCcc})`);
    if (!goal.met) process.exitCode = 1;
    console.log(`model saved in ${report.modelDir}`);
    const { file, planted, predicted } = report.example;
    console.log(`\n${file}`);
    for (const d of report.test.dimensions) {
      console.log(`  ${d.padEnd(10)} planted ${planted[d]?.toFixed(3) ?? '-'}  predicted ${predicted[d].toFixed(3)}`);
    }
    const robust = report.evaluation.robustness?.summary.find((x) => x.suite === 'paper');
    if (robust) {
      const deltas = Object.entries(robust.mean).map(([d, v]) => `${d} ${typeof v === 'number' ? (v >= 0 ? '+' : '') + v.toFixed(3) : '-'}`);
      console.log(`\nmean CCC change under the paper's 11 perturbations (built-in noise): ${deltas.join(', ')}`);
    }
    console.log(`report: ${report.reportFiles.html}`);
    console.log(`\ndone in ${report.seconds.toFixed(0)} s`);
  });

program
  .command('info')
  .description('libtorch version, devices, threads and BLAS')
  .action(() => {
    const i = info();
    console.log(JSON.stringify(i, null, 2));
    for (const w of i.warnings) console.error(`warning: ${w}`);
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(errorLine(error));
  process.exitCode = 1;
});
