// evaluate() predicts in length-sorted chunks (bounded memory); its predictions still come back
// in the manifest's order, each equal to predicting that file alone.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { evaluate, loadModel, readManifest } from '../lib';
import { stepDir } from './helpers/train-step';

test('evaluate keeps the manifest order and the values of lone predicts', async () => {
  const model = await loadModel(path.join(stepDir, 'model'));
  // The fixture's dev rows, longest first, with absolute paths: sorting by length must reorder them.
  const [header, ...lines] = fs.readFileSync(path.join(stepDir, 'dev.csv'), 'utf8').trim().split('\n');
  const manifest = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ser-eval-order-')), 'dev.csv');
  const absolute = lines.reverse().map((l) => path.join(stepDir, l));
  fs.writeFileSync(manifest, [header, ...absolute].join('\n') + '\n');
  const { rows } = await readManifest(manifest);
  const seconds = rows.map((r) => r.seconds);
  expect(seconds).not.toEqual([...seconds].sort((a, b) => a - b));
  const report = await evaluate(model, manifest);
  expect(report.predictions).toHaveLength(rows.length);
  for (const [i, row] of rows.entries()) {
    const [alone] = await model.predict(row.path);
    for (const [label, value] of Object.entries(alone)) expect(report.predictions[i][label]).toBeCloseTo(value, 5);
  }
  model.dispose();
});
