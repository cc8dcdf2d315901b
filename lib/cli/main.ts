#!/usr/bin/env node
// The `ser-torch` command line: predict, embed, info.
import { Command } from 'commander';

import { SerError } from '../errors';
import { loadModel, type Device } from '../model';
import { info } from '../runtime';

const program = new Command();
program.name('ser-torch').description('Speech emotion recognition (arousal, dominance, valence) on libtorch');

program
  .command('predict')
  .description('predict emotion dimensions for audio files')
  .argument('<model>', 'model folder in Hugging Face layout')
  .argument('<files...>', 'audio files (WAV, FLAC, OGG, MP3)')
  .option('--device <device>', 'cpu, cuda or cuda:N', 'cpu')
  .option('--batch-size <n>', 'inputs per forward pass', (v) => Number(v), 8)
  .option('--json', 'one JSON object per line')
  .action(async (dir: string, files: string[], opts: { device: Device; batchSize: number; json?: boolean }) => {
    const model = await loadModel(dir, { device: opts.device });
    try {
      const predictions = await model.predict(files, { batchSize: opts.batchSize });
      predictions.forEach((p, i) => {
        if (opts.json) console.log(JSON.stringify({ file: files[i], ...p }));
        else console.log(`${files[i]}\t${Object.entries(p).map(([k, v]) => `${k}=${v.toFixed(4)}`).join('\t')}`);
      });
    } finally {
      model.dispose();
    }
  });

program
  .command('embed')
  .description('print pooled embeddings as JSON lines')
  .argument('<model>', 'model folder in Hugging Face layout')
  .argument('<files...>', 'audio files')
  .option('--device <device>', 'cpu, cuda or cuda:N', 'cpu')
  .action(async (dir: string, files: string[], opts: { device: Device }) => {
    const model = await loadModel(dir, { device: opts.device });
    try {
      const embeddings = await model.embed(files);
      embeddings.forEach((e, i) => console.log(JSON.stringify({ file: files[i], embedding: Array.from(e) })));
    } finally {
      model.dispose();
    }
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
  const e = error as Error;
  console.error(`ser-torch: ${e instanceof SerError ? `${e.code}: ` : ''}${e.message}`);
  process.exitCode = 1;
});
