'use strict';
// The fuzz targets: where each one's seeds come from, what shape their bytes have (for the
// mutator) and how a mutant becomes a case on disk (a model folder, an audio file, a manifest
// folder or a call description).
const fs = require('fs');
const path = require('path');

const corpusDir = path.join(__dirname, '..', 'corpus');
const fixtures = path.join(__dirname, '..', '..', 'test', 'fixtures');
const tinyDir = path.join(corpusDir, 'model', 'tiny');
const fixtureModel = (name) => path.join(fixtures, 'models', name);

const list = (dir, re) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => re.test(f)).sort().map((f) => path.join(dir, f)) : []);

/** A model folder with `file` (config.json, model.safetensors, pytorch_model.bin ...) replaced by `bytes`. */
function modelFolder(caseDir, base, file, bytes) {
  fs.mkdirSync(caseDir, { recursive: true });
  for (const f of fs.readdirSync(base)) {
    if (f === 'expected.json' || f === file) continue;
    // a mutated pytorch_model.bin replaces the weights: a model.safetensors beside it would win
    if (file === 'pytorch_model.bin' && f === 'model.safetensors') continue;
    fs.copyFileSync(path.join(base, f), path.join(caseDir, f));
  }
  fs.writeFileSync(path.join(caseDir, file), bytes);
  return caseDir;
}

/** seed: { file (the bytes to mutate), base (the folder around it), as (its name there) } */
const TARGETS = {
  safetensors: {
    shape: 'safetensors',
    seeds: () => [
      { file: path.join(tinyDir, 'model.safetensors'), base: tinyDir },
      { file: path.join(fixtureModel('w2v2_postln_group'), 'model.safetensors'), base: fixtureModel('w2v2_postln_group') },
      { file: path.join(fixtureModel('hubert_preln_layer_f16'), 'model.safetensors'), base: fixtureModel('hubert_preln_layer_f16') },
      { file: path.join(fixtures, 'cnn14', 'model', 'model.safetensors'), base: path.join(fixtures, 'cnn14', 'model') },
    ],
    materialise: (caseDir, seed, bytes) => modelFolder(caseDir, seed.base, 'model.safetensors', bytes),
  },
  config: {
    shape: 'json',
    seeds: () => [
      ...list(path.join(corpusDir, 'config'), /\.json$/).map((file) => ({ file, base: tinyDir, as: 'config.json' })),
      { file: path.join(corpusDir, 'preprocessor', 'tiny.json'), base: tinyDir, as: 'preprocessor_config.json' },
      { file: path.join(fixtureModel('w2v2_preln_layer_head'), 'config.json'), base: fixtureModel('w2v2_preln_layer_head'), as: 'config.json' },
      { file: path.join(fixtures, 'cnn14', 'model', 'config.json'), base: path.join(fixtures, 'cnn14', 'model'), as: 'config.json' },
    ],
    materialise: (caseDir, seed, bytes) => modelFolder(caseDir, seed.base, seed.as, bytes),
  },
  torch: {
    shape: 'binary',
    seeds: () => [
      ...list(path.join(corpusDir, 'torch'), /\.bin$/).map((file) => ({ file, base: tinyDir })),
      { file: path.join(fixtureModel('w2v2_preln_layer_head'), 'pytorch_model.bin'), base: fixtureModel('w2v2_preln_layer_head') },
      { file: path.join(fixtureModel('hubert_postln_group'), 'pytorch_model.bin'), base: fixtureModel('hubert_postln_group') },
      { file: path.join(fixtures, 'cnn14', 'panns_checkpoint_legacy.pth'), base: path.join(fixtures, 'cnn14', 'model') },
      { file: path.join(fixtures, 'cnn14', 'panns_checkpoint.pth'), base: path.join(fixtures, 'cnn14', 'model') },
    ],
    materialise: (caseDir, seed, bytes) => modelFolder(caseDir, seed.base, 'pytorch_model.bin', bytes),
  },
  audio: {
    shape: 'binary',
    seeds: () => [...list(path.join(corpusDir, 'audio'), /\./), ...list(path.join(fixtures, 'audio'), /\.(wav|flac|ogg|mp3)$/)].map((file) => ({ file })),
    materialise: (caseDir, seed, bytes) => {
      fs.mkdirSync(caseDir, { recursive: true });
      const file = path.join(caseDir, `input${path.extname(seed.file)}`);
      fs.writeFileSync(file, bytes);
      return file;
    },
  },
  manifest: {
    shape: 'manifest',
    seeds: () => list(path.join(corpusDir, 'manifest'), /\.(csv|jsonl)$/).map((file) => ({ file })),
    materialise: (caseDir, seed, bytes) => {
      fs.mkdirSync(path.join(caseDir, 'wav'), { recursive: true });
      for (const f of fs.readdirSync(path.join(corpusDir, 'manifest', 'wav'))) {
        fs.copyFileSync(path.join(corpusDir, 'manifest', 'wav', f), path.join(caseDir, 'wav', f));
      }
      const file = path.join(caseDir, `manifest${path.extname(seed.file)}`);
      fs.writeFileSync(file, bytes);
      return file;
    },
  },
  api: {
    shape: 'call',
    seeds: () => list(path.join(corpusDir, 'api'), /\.json$/).map((file) => ({ file })),
    materialise: (caseDir, seed, bytes) => {
      fs.mkdirSync(caseDir, { recursive: true });
      const file = path.join(caseDir, 'call.json');
      fs.writeFileSync(file, bytes);
      return file;
    },
  },
};

/** How a case of `target` is run in the child; model-file targets all load a folder. */
const KIND = { safetensors: 'model', config: 'model', torch: 'model', audio: 'audio', manifest: 'manifest', api: 'api' };

module.exports = { TARGETS, KIND, corpusDir, fixtures, tinyDir };
