// Outputs of every fixture model through the public API match torchaudio's reference within
// 1e-4, one input at a time and in padded batches (fixtures: scripts/gen-model-fixtures.py).
import { loadModel } from '../lib';
import { maxAbsDiff, modelCases, modelsDir, readExpected, type ExpectedOutput } from './helpers/fixtures';
import * as path from 'path';

const TOL = 1e-4;
const cases = modelCases();

test('the fixture set covers every architecture variant', () => {
  expect(cases).toEqual(
    expect.arrayContaining(['hubert_postln_group', 'hubert_preln_layer_f16', 'w2v2_postln_group', 'w2v2_preln_layer_head']),
  );
});

async function checkOutputs(dir: string, inputs: Float32Array[], outputs: ExpectedOutput[], numLayers?: number) {
  const model = await loadModel(dir, { numLayers });
  try {
    for (const batchSize of [1, 3, 64]) {
      const hidden = await model.hiddenStates(inputs, { batchSize });
      const pooled = await model.embed(inputs, { batchSize });
      outputs.forEach((want, i) => {
        expect(hidden[i].frames).toBe(want.frames);
        expect(maxAbsDiff(hidden[i].data, want.last_hidden_state)).toBeLessThan(TOL);
        expect(maxAbsDiff(pooled[i], want.pooled)).toBeLessThan(TOL);
      });
      if (model.info.hasHead) {
        const predictions = await model.predict(inputs, { batchSize });
        outputs.forEach((want, i) => {
          const p = predictions[i];
          expect(Object.keys(p)).toEqual(['arousal', 'dominance', 'valence']);
          expect(maxAbsDiff([p.arousal, p.dominance, p.valence], want.logits!)).toBeLessThan(TOL);
        });
      }
    }
  } finally {
    model.dispose();
  }
}

describe.each(cases)('%s', (name) => {
  const expected = readExpected(name);
  const dir = path.join(modelsDir, name);
  const inputs = expected.inputs.map((x) => Float32Array.from(x));

  test('matches the reference singly and batched', async () => {
    await checkOutputs(dir, inputs, expected.outputs);
  });

  if (expected.first2) {
    test('numLayers: 2 matches the reference truncated to its first two layers', async () => {
      await checkOutputs(dir, inputs, expected.first2!.outputs, 2);
    });
  }

  test('a single Float32Array gives the same as a one-item array', async () => {
    const model = await loadModel(dir);
    const [one] = await model.embed(inputs[inputs.length - 1]);
    const [again] = await model.embed([inputs[inputs.length - 1]]);
    expect(Array.from(one)).toEqual(Array.from(again));
    model.dispose();
  });
});
