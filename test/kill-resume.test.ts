// kill -9 at several moments of a CLI training run (while loading, mid-epoch, right after and
// during checkpoint writes) never leaves a broken checkpoint; each resume really continues from
// the saved step, and the run finished through kills and resumes ends with the same weights as
// one that was never killed.
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { loadModel, train, type TrainEvent } from '../lib';
import { fixturesDir, maxAbsDiff } from './helpers/fixtures';
import { readSafetensors } from './helpers/safetensors';

// The CLI from source (lib/cli/main.ts through ts-register), as every other suite runs lib/.
const root = path.join(__dirname, '..');
const cliCommand = ['-r', './test/helpers/ts-register.js', 'lib/cli/main.ts'];
const stepDir = path.join(fixturesDir, 'train_step');
const TOTAL_STEPS = 24; // 4 clips in batches of 2, 12 epochs

const options = {
  model: path.join(stepDir, 'model'), train: path.join(stepDir, 'train.csv'), dev: path.join(stepDir, 'dev.csv'),
  batchSize: 2, epochs: 12, maxClipSeconds: 0,
};
const cliArgs = (outDir: string) => ['train', '--model', options.model, '--train', options.train, '--dev', options.dev,
  '--out', outDir, '--batch-size', '2', '--epochs', '12', '--max-clip-seconds', '0', '--json'];

const savedStep = (dir: string): number =>
  (JSON.parse(fs.readFileSync(path.join(dir, 'trainer_state.json'), 'utf8')) as { step: number }).step;

/** How long the CLI takes to start from source (transpiling lib/) before it does anything native. */
function cliStartupMs(): number {
  const started = performance.now();
  const r = spawnSync(process.execPath, [...cliCommand, '--version'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`the CLI does not start: ${r.stderr}`);
  return performance.now() - started;
}

/** The folder a resume takes: last, or the furthest leftover of a kill between two renames. */
function resumePoint(outDir: string): string | undefined {
  const last = path.join(outDir, 'last');
  if (fs.existsSync(path.join(last, 'trainer_state.json'))) return last;
  const leftovers = fs.readdirSync(outDir).filter((f) => f.startsWith('.last.old-')).map((f) => path.join(outDir, f))
    .filter((d) => fs.existsSync(path.join(d, 'trainer_state.json')));
  return leftovers.sort((a, b) => savedStep(b) - savedStep(a))[0];
}

type Trigger = { afterMs: number } | { on: (e: TrainEvent) => boolean };

/** Runs the CLI until `trigger` (or its own end); returns the events it printed. */
function runUntilKilled(args: string[], trigger: Trigger): Promise<TrainEvent[]> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...cliCommand, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const events: TrainEvent[] = [];
    let buffered = '';
    const kill = () => child.kill('SIGKILL');
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const e = JSON.parse(line) as TrainEvent;
        events.push(e);
        if ('on' in trigger && trigger.on(e)) kill();
      }
    });
    child.stderr.resume();
    // An event trigger that never comes (e.g. a slow machine) still ends the run, later.
    const timer = setTimeout(kill, 'afterMs' in trigger ? trigger.afterMs : 60_000);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(events);
    });
  });
}

test('kill -9 during training, then resume: exact continuation, whole checkpoints', async () => {
  // The same run, never killed: the reference for the final weights.
  const reference = await train({ ...options, outDir: fs.mkdtempSync(path.join(os.tmpdir(), 'ser-nokill-')) });
  expect(reference.steps).toBe(TOTAL_STEPS);

  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ser-kill-'));
  const triggers: Trigger[] = [
    { afterMs: cliStartupMs() + 400 }, // while loading the model, or in the first steps
    { on: (e) => e.type === 'checkpoint' && e.kind === 'last' }, // right after a checkpoint is written
    { on: (e) => e.type === 'step' }, // mid-epoch
    { on: (e) => e.type === 'epoch' }, // while `last` is being written (after `best`, if any)
    { on: (e) => e.type === 'step' && e.step % 2 === 0 }, // an epoch's last step: during evaluation and writes
  ];
  let resumes = 0;
  let lastSaved = 0;
  for (const trigger of triggers) {
    const from = resumePoint(outDir);
    // Read now: the resumed run may write `last` again before its kill.
    const fromStep = from ? savedStep(from) : 0;
    const events = await runUntilKilled(from ? [...cliArgs(outDir), '--resume'] : cliArgs(outDir), trigger);
    if (from && events.length > 0) {
      // A resume continues where the checkpoint left off, never from the start.
      const start = events[0];
      expect(start.type).toBe('start');
      expect(start.step).toBe(fromStep);
      expect(start.step).toBeGreaterThan(0);
      const firstStep = events.find((e) => e.type === 'step');
      if (firstStep) expect(firstStep.step).toBe(start.step + 1);
      resumes++;
    }
    const now = resumePoint(outDir);
    if (now) {
      // Whatever moment the kill hit, the checkpoint is whole (it loads) and never goes back.
      const model = await loadModel(now);
      model.dispose();
      expect(savedStep(now)).toBeGreaterThanOrEqual(lastSaved);
      lastSaved = savedStep(now);
    }
  }
  // The second run is killed only once `last` exists, so at least the last three resumed.
  expect(resumes).toBeGreaterThanOrEqual(3);
  const from = resumePoint(outDir);
  expect(from).toBeDefined();
  const saved = savedStep(from!);
  expect(saved).toBeGreaterThan(0);
  expect(saved).toBeLessThan(TOTAL_STEPS);

  const events: TrainEvent[] = [];
  const result = await train({ ...options, outDir, resume: true, onEvent: (e) => events.push(e) });
  const start = events.find((e) => e.type === 'start')!;
  const steps = events.filter((e) => e.type === 'step');
  expect(start.step).toBe(saved);
  expect(steps.map((e) => e.step)).toEqual(Array.from({ length: TOTAL_STEPS - saved }, (_, k) => saved + 1 + k));
  expect(result.steps).toBe(TOTAL_STEPS);
  expect(result.epochs).toBe(12);

  // Optimiser state, RNG and loop position restored: the weights are those of the unkilled run
  // (bit for bit here; 1e-6 leaves room for another thread count in this process than in the
  // CLI's, while a run with another shuffling (seed 1) ends 2e-3 away).
  const got = readSafetensors(path.join(result.lastDir, 'model.safetensors'));
  const want = readSafetensors(path.join(reference.lastDir, 'model.safetensors'));
  expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
  let worst = 0;
  for (const [name, w] of want) worst = Math.max(worst, maxAbsDiff(got.get(name)!.data, w.data));
  expect(worst).toBeLessThan(1e-6);
  const model = await loadModel(result.bestDir);
  expect(model.labels).toEqual(['arousal', 'dominance', 'valence']);
  model.dispose();
}, 300_000);
