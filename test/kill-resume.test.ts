// kill -9 at random moments during a CLI training run never leaves a broken checkpoint, and
// resume always finishes the run.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { loadModel, train } from '../lib';
import { fixturesDir } from './helpers/fixtures';

const cli = path.join(__dirname, '..', 'dist', 'lib', 'cli', 'main.js');
const stepDir = path.join(fixturesDir, 'train_step');

function runUntilKilled(args: string[], killAfterMs: number): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.resume();
    child.stderr.resume();
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

test('kill -9 during training, then resume', async () => {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ser-kill-'));
  const args = ['train', '--model', path.join(stepDir, 'model'), '--train', path.join(stepDir, 'train.csv'),
    '--dev', path.join(stepDir, 'dev.csv'), '--out', outDir, '--batch-size', '2', '--epochs', '12',
    '--max-clip-seconds', '0', '--json'];
  // Kill at several moments: while loading, mid-epoch, around checkpoint writes.
  for (const ms of [400, 900, 1300, 1700, 2300]) {
    const resumable = fs.existsSync(path.join(outDir, 'last')) ||
      fs.readdirSync(outDir).some((f) => f.startsWith('.last.old-'));
    await runUntilKilled(resumable ? [...args, '--resume'] : args, ms);
    const last = path.join(outDir, 'last');
    if (fs.existsSync(last)) {
      // Whatever moment the kill hit, `last` is whole: it loads.
      const model = await loadModel(last);
      model.dispose();
      const state = JSON.parse(fs.readFileSync(path.join(last, 'trainer_state.json'), 'utf8'));
      expect(state.step).toBeGreaterThanOrEqual(0);
    }
  }
  const hasCheckpoint = fs.existsSync(path.join(outDir, 'last')) ||
    fs.readdirSync(outDir).some((f) => f.startsWith('.last.old-'));
  const result = await train({
    model: path.join(stepDir, 'model'), train: path.join(stepDir, 'train.csv'), dev: path.join(stepDir, 'dev.csv'),
    outDir, batchSize: 2, epochs: 12, maxClipSeconds: 0, resume: hasCheckpoint,
  });
  expect(result.steps).toBe(24);
  expect(result.epochs).toBe(12);
  const model = await loadModel(result.bestDir);
  expect(model.labels).toEqual(['arousal', 'dominance', 'valence']);
  model.dispose();
});
