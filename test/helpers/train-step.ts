// The train_step fixture's recipe (test/fixtures/train_step): one batch of 4, no crop, no dropout /
// LayerDrop / SpecAugment, CNN frozen. Its expected_*.safetensors are PyTorch's weights after it.
import * as path from 'path';

import { fixturesDir } from './fixtures';

export const stepDir = path.join(fixturesDir, 'train_step');

export const oneStep = {
  model: path.join(stepDir, 'model'),
  train: path.join(stepDir, 'train.csv'),
  dev: path.join(stepDir, 'dev.csv'),
  batchSize: 4,
  epochs: 1,
  maxClipSeconds: 0,
  dropout: 0,
  layerdrop: 0,
  maskTimeProb: 0,
};
