'use strict';
// Writes the committed seed corpus (fuzz/corpus/<target>/...): a 9 KB wav2vec2 model made by the
// addon's createModel, short audio in each format, manifests and API call descriptions.
// Deterministic: run it again and `git diff fuzz/corpus` shows nothing (seeded weights, fixed audio).
//   node fuzz/make-corpus.js
require('./lib/ts-cache');
const fs = require('fs');
const path = require('path');

const { nativeAddon } = require('../lib/native.ts');
const { auFile, aiffFile, wavFile, sine } = require('./lib/audio-writers');

const root = path.join(__dirname, 'corpus');
const fixtures = path.join(__dirname, '..', 'test', 'fixtures');

/** The smallest wav2vec2 emotion model the loader accepts end to end (2 conv layers, 1 layer, width 8). */
const TINY_CONFIG = {
  model_type: 'wav2vec2',
  architectures: ['Wav2Vec2ForSpeechClassification'],
  hidden_size: 8,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  intermediate_size: 16,
  conv_dim: [8, 8],
  conv_kernel: [10, 3],
  conv_stride: [5, 2],
  conv_bias: true,
  feat_extract_norm: 'layer',
  feat_extract_activation: 'gelu',
  hidden_act: 'gelu',
  do_stable_layer_norm: true,
  num_conv_pos_embeddings: 4,
  num_conv_pos_embedding_groups: 2,
  layer_norm_eps: 1e-5,
  id2label: { 0: 'arousal', 1: 'dominance', 2: 'valence' },
  label2id: { arousal: 0, dominance: 1, valence: 2 },
};
const PREPROCESSOR = { do_normalize: true, sampling_rate: 16000, feature_size: 1, padding_value: 0, return_attention_mask: true };

function write(rel, bytes) {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, bytes);
}

async function main() {
  fs.rmSync(root, { recursive: true, force: true });
  // model/tiny: the folder every model-file target mutates one file of.
  const tiny = path.join(root, 'model', 'tiny');
  fs.mkdirSync(tiny, { recursive: true });
  await nativeAddon().createModel(tiny, JSON.stringify(TINY_CONFIG), JSON.stringify(PREPROCESSOR), true, 7);

  // config: variants the parser must take (or refuse cleanly) beside the tiny model's own.
  const own = JSON.parse(fs.readFileSync(path.join(tiny, 'config.json'), 'utf8'));
  write('config/tiny.json', JSON.stringify(own, null, 1));
  write('config/hubert.json', JSON.stringify({ ...own, model_type: 'hubert', architectures: ['HubertForSpeechClassification'] }, null, 1));
  write('config/group-norm.json', JSON.stringify({ ...own, feat_extract_norm: 'group', do_stable_layer_norm: false }, null, 1));
  write('config/cnn14.json', JSON.stringify({ model_type: 'cnn14', channels: [4, 8, 8, 16, 16, 32] }, null, 1));
  write('preprocessor/tiny.json', JSON.stringify(PREPROCESSOR, null, 1));

  // torch: the small torch.save archives of the C++ tests (zip and legacy); the fixture models'
  // pytorch_model.bin are seeds too (fuzz/lib/targets.js names them), not copied here.
  for (const name of ['state_dict.bin', 'state_dict_legacy.bin', 'views.bin', 'handmade_ok.bin']) {
    write(`torch/${name}`, fs.readFileSync(path.join(fixtures, 'io', name)));
  }

  // audio: 0.1 s sines in the formats written here; FLAC / OGG / MP3 from the fixtures (3-7 KB).
  const tone = sine(1600, 16000, 440);
  write('audio/pcm16.wav', wavFile(tone, 16000, 1, 'pcm16'));
  write('audio/float.wav', wavFile(tone, 16000, 1, 'float'));
  write('audio/stereo.wav', wavFile(sine(1600, 22050, 330), 22050, 2, 'pcm16'));
  write('audio/pcm16.au', auFile(tone, 16000));
  write('audio/pcm16.aiff', aiffFile(tone, 16000));
  for (const name of ['sine_44k.flac', 'sine_44k.ogg', 'sine_44k.mp3']) {
    write(`audio/${name}`, fs.readFileSync(path.join(fixtures, 'audio', name)));
  }

  // manifest: the rows point at wav/ beside them (copied into every case folder).
  write('manifest/wav/a.wav', wavFile(sine(1600, 16000, 220), 16000, 1, 'pcm16'));
  write('manifest/wav/b.wav', wavFile(sine(1600, 16000, 660), 16000, 1, 'pcm16'));
  write('manifest/rows.csv', 'file,arousal,dominance,valence,speaker,gender\nwav/a.wav,0.8,0.7,0.6,s1,female\nwav/b.wav,0.3,0.5,0.1,s2,male\n');
  write(
    'manifest/rows.jsonl',
    '{"file": "wav/a.wav", "arousal": 0.8, "dominance": 0.7, "valence": 0.6, "speaker": "s1", "gender": "female"}\n' +
      '{"file": "wav/b.wav", "arousal": 0.3, "dominance": 0.5, "valence": 0.1, "speaker": "s2", "gender": "male"}\n',
  );

  // api: one good call per public function; the mutator replaces arguments and options.
  const calls = require('./lib/api-calls').SEED_CALLS;
  for (const [name, call] of Object.entries(calls)) write(`api/${name}.json`, JSON.stringify(call, null, 1));
  console.log(`fuzz corpus written to ${root}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
