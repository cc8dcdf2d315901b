// evaluate(model, { sets, fairness, efficiency, ... }): the figures on known predictions (CCC,
// gender gap, bias, bootstrap), the column mapping, unreadable files listed, the convergence curve
// of a training run, efficiency rows, and the typed errors for bad options and sets.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { AudioError, evaluate, InputError, loadModel, readManifest, scorePredictions, train } from '../lib';
import { fairness } from '../lib/evaluation/fairness';
import type { ScoredRow } from '../lib/evaluation/paired';
import { bootstrapCcc, cccOrNull, percentile } from '../lib/evaluation/stats';
import { encodeWavFloat32 } from '../lib/cli/perturb-command';
import { DEMO_MODEL_CONFIG } from '../lib/demo';
import { nativeAddon } from '../lib/native';
import type { ManifestRow } from '../lib/types';

jest.setTimeout(240_000);

function row(partial: Partial<ManifestRow> & { labels: ManifestRow['labels'] }): ManifestRow {
  return { path: `/x/${Math.random()}`, speaker: '', gender: '', split: '', seconds: 1, line: 2, ...partial };
}

describe('figures on known predictions', () => {
  // Two groups: females predicted with +0.1 offset, males exactly; hand-computed references.
  const gold = [0.1, 0.4, 0.5, 0.9, 0.2, 0.3, 0.6, 0.8];
  const rows: ScoredRow[] = gold.map((g, i) => {
    const female = i < 4;
    return { row: row({ labels: { valence: g }, gender: female ? 'F' : 'Male', speaker: female ? 's1' : 's2' }), pred: { valence: female ? g + 0.1 : g } };
  });

  test('gap and bias follow their definitions', async () => {
    const f = await fairness(rows, ['valence'], { minSpeakerSamples: 3, bootstrap: { samples: 50, repetitions: 200, seed: 1 } });
    // CCC of y+0.1 against y: 2 var / (2 var + 0.01)
    const fg = gold.slice(0, 4);
    const m = fg.reduce((a, b) => a + b, 0) / 4;
    const v = fg.reduce((a, b) => a + (b - m) ** 2, 0) / 4;
    const cccFemale = (2 * v) / (2 * v + 0.01);
    expect(Object.keys(f.byGender).sort()).toEqual(['female', 'male']);
    expect(f.byGender.female.ccc.valence).toBeCloseTo(cccFemale, 12);
    expect(f.byGender.male.ccc.valence).toBeCloseTo(1, 12);
    expect(f.genderGap?.valence).toBeCloseTo(cccFemale - 1, 12);
    // (mean ŷ_f − mean y_f) − (mean ŷ_m − mean y_m) = 0.1 − 0
    expect(f.bias?.valence).toBeCloseTo(0.1, 12);
    expect(f.byGender.female.meanError.valence).toBeCloseTo(0.1, 12);
    // Speakers with MORE than 3 rows: both have 4.
    expect(Object.keys(f.bySpeaker)).toEqual(['s1', 's2']);
    expect(f.bySpeaker.s2.bootstrap.valence).toEqual({ mean: 1, std: 0, low: 1, high: 1 });
    const fewer = await fairness(rows, ['valence'], { minSpeakerSamples: 4, bootstrap: { samples: 50, repetitions: 10, seed: 1 } });
    expect(fewer.bySpeaker).toEqual({});
    expect(f.speakerSpread.valence?.speakers).toBe(2);
    expect(f.speakerSpread.valence?.max).toBeCloseTo(1, 12);
  });

  test('scorePredictions: the same figures from plain items, and typed errors', async () => {
    const items = rows.map((r) => ({ gold: { valence: r.row.labels.valence as number }, pred: { valence: r.pred.valence }, speaker: r.row.speaker, gender: r.row.gender }));
    const s = await scorePredictions(items, { minSpeakerSamples: 3, bootstrap: { samples: 50, repetitions: 200 }, seed: 1 });
    const f = await fairness(rows, ['valence'], { minSpeakerSamples: 3, bootstrap: { samples: 50, repetitions: 200, seed: 1 } });
    expect(s.dimensions).toEqual(['valence']);
    expect(s.fairness).toEqual(f);
    expect(s.ccc.valence).toBeCloseTo(cccOrNull(items.map((i) => i.pred.valence), gold) as number, 12);
    await expect(scorePredictions([{ gold: { valence: NaN }, pred: { valence: 1 } }])).rejects.toThrow(/items\[0\]\.gold\.valence must be a finite number/);
    await expect(scorePredictions('x' as never)).rejects.toThrow(InputError);
  });

  test('no gap or bias without both genders', async () => {
    const f = await fairness(rows.slice(0, 4), ['valence'], { minSpeakerSamples: 200, bootstrap: { samples: 10, repetitions: 10, seed: 1 } });
    expect(f.genderGap).toBeNull();
    expect(f.bias).toBeNull();
  });

  test('bootstrap: seeded, percentiles of the draws, inside [min, max] of possible CCCs', () => {
    const pred = Array.from({ length: 300 }, (_, i) => Math.sin(i) * 0.3 + 0.5);
    const g = pred.map((p, i) => p + 0.2 * Math.cos(i * 7));
    const settings = { samples: 200, repetitions: 1000, seed: 1 };
    const a = bootstrapCcc(pred, g, settings, 'spk');
    const b = bootstrapCcc(pred, g, settings, 'spk');
    const c = bootstrapCcc(pred, g, { ...settings, seed: 2 }, 'spk');
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const full = cccOrNull(pred, g) as number;
    expect(a && a.low < full && full < a.high).toBe(true);
    expect(a && Math.abs(a.mean - full)).toBeLessThan(0.05);
    expect(a && a.std).toBeGreaterThan(0);
    // numpy.percentile([1, 2, 3, 4], 25) == 1.75
    expect(percentile([1, 2, 3, 4], 0.25)).toBeCloseTo(1.75, 12);
    expect(bootstrapCcc([0.5], [0.5], settings, 'x')).toBeNull();
  });
});

describe('evaluate with named sets on a tiny model', () => {
  let dir: string;
  let modelDir: string;
  let corpus: { train: string; dev: string; test: string };
  let runDir: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ser-evaluation-'));
    const addon = nativeAddon();
    corpus = await addon.synthesizeCorpus({ dir: path.join(dir, 'corpus'), train: 24, dev: 8, test: 40, seed: 5 });
    const init = path.join(dir, 'init');
    fs.mkdirSync(init);
    const config = { ...DEMO_MODEL_CONFIG, hidden_size: 32, intermediate_size: 64, conv_dim: [32, 32, 32, 32, 32, 32, 32] };
    const pre = { do_normalize: true, sampling_rate: 16000, return_attention_mask: true, feature_size: 1 };
    await addon.createModel(init, JSON.stringify(config), JSON.stringify(pre), false, 3);
    runDir = path.join(dir, 'run');
    // An earlier run's curve in the same outDir: a fresh run starts a new metrics.jsonl.
    fs.mkdirSync(runDir);
    fs.writeFileSync(path.join(runDir, 'metrics.jsonl'), '{"step":99,"epoch":9,"train_loss":1,"dev_ccc":{},"dev_ccc_mean":0}\n');
    const result = await train({ model: init, train: corpus.train, dev: corpus.dev, outDir: runDir, labelRange: 'msp-podcast', batchSize: 8, epochs: 2, evalEvery: 2, maxClipSeconds: 1, seed: 1 });
    modelDir = result.bestDir;
  });

  test('sets, column mapping, skipped files, fairness, convergence', async () => {
    // The test split again with valence renamed to sentiment, and two broken rows.
    const text = fs.readFileSync(corpus.test, 'utf8').trim().split('\n');
    const renamed = path.join(path.dirname(corpus.test), 'renamed.csv');
    fs.writeFileSync(path.join(path.dirname(corpus.test), 'broken.wav'), 'RIFF not really');
    // A clip too short for the model (100 samples) fails at predict time, not at reading.
    fs.writeFileSync(path.join(path.dirname(corpus.test), 'short.wav'), encodeWavFloat32(new Float32Array(100).fill(0.1), 16000));
    const lines = [text[0].replace('valence', 'sentiment'), ...text.slice(1), 'missing.wav,4,4,4,spk9,female', 'broken.wav,4,4,4,spk9,female', 'short.wav,4,4,4,spk9,female'];
    fs.writeFileSync(renamed, lines.join('\n') + '\n');
    const progress: string[] = [];
    const report = await evaluate(modelDir, {
      sets: {
        test: { manifest: corpus.test, labelRange: 'msp-podcast' },
        renamed: { manifest: renamed, labelRange: [1, 7], columns: { sentiment: 'valence' } },
      },
      fairness: { minSpeakerSamples: 2, bootstrap: { samples: 20, repetitions: 50 } },
      onProgress: (p) => progress.push(`${p.stage}:${p.done}/${p.total}`),
    });
    expect(report.schema).toBe('ser-torch/report');
    expect(report.sets.map((s) => s.name)).toEqual(['test', 'renamed']);
    const [a, b] = report.sets;
    expect(a.n).toBe(40);
    expect(b.rows).toBe(43);
    expect(b.n).toBe(40);
    expect(b.columns).toEqual({ sentiment: 'valence', arousal: 'arousal', dominance: 'dominance' });
    expect(b.ccc.valence).toBeCloseTo(a.ccc.valence as number, 10);
    expect(report.skipped.map((s) => [s.set, path.basename(s.file), s.line])).toEqual([
      ['renamed', 'missing.wav', 42],
      ['renamed', 'broken.wav', 43],
      ['renamed', 'short.wav', 44],
    ]);
    expect(report.skipped[0].reason).toMatch(/not found/);
    expect(report.skipped[2].reason).toMatch(/too short/);
    // The fairness view agrees with the quick view (which batches the files differently: padding
    // moves float32 results by ~1e-8).
    const quick = await evaluate(modelDir, corpus.test, { labelRange: 'msp-podcast', minSpeakerSamples: 3 });
    for (const d of ['arousal', 'dominance', 'valence'] as const) {
      expect(a.ccc[d]).toBeCloseTo(quick.ccc[d], 6);
      expect(a.fairness?.genderGap?.[d]).toBeCloseTo(quick.genderGap?.[d] as number, 6);
    }
    expect(Object.keys(a.fairness?.bySpeaker ?? {}).length).toBeGreaterThan(0);
    expect(report.meanOverSets.ccc.valence).toBeCloseTo(a.ccc.valence as number, 10);
    expect(a.scatter.valence?.gold).toHaveLength(40);
    // Each distinct file predicted once: 40 + 40 identical paths + 0 readable extras.
    expect(progress[progress.length - 1]).toBe('predict:41/41');
    // Convergence from the run folder (found from best/'s parent): one line per evaluation.
    const points = report.convergence?.points ?? [];
    expect(points.map((p) => p.step)).toEqual([2, 3, 4, 6]);
    expect(points.every((p) => p.trainLoss !== null && typeof p.devCccMean === 'number')).toBe(true);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report); // nothing JSON would lose (NaN, undefined in arrays)
  });

  test('efficiency rows: the model and a pruned copy', async () => {
    const report = await evaluate(modelDir, {
      sets: { test: { manifest: corpus.test, labelRange: 'msp-podcast' } },
      efficiency: { numLayers: [1], clipSeconds: [0.5, 1], runs: 2, batchSizes: [1, 2], ccc: true },
    });
    const e = report.efficiency;
    expect(e?.rows.map((r) => r.numLayers)).toEqual([1, 2]);
    expect(e && e.rows[0].parameters).toBeLessThan(e?.rows[1].parameters as number);
    expect(e?.parameters).toBe(report.model.parameters);
    expect(e?.sizeOnDiskBytes).toBeGreaterThan(0);
    expect(e?.peakRssBytes).toBeGreaterThan(0);
    for (const r of e?.rows ?? []) {
      expect(r.latency.map((l) => l.clipSeconds)).toEqual([0.5, 1]);
      expect(r.latency.every((l) => l.p50Ms > 0 && l.p95Ms >= l.p50Ms)).toBe(true);
      expect(r.throughput.audioSecondsPerSecond).toBeGreaterThan(0);
      expect(typeof r.ccc?.valence).toBe('number');
    }
    expect(e?.rows[1].ccc).toEqual(report.sets[0].ccc);
    const sets = { test: { manifest: corpus.test, labelRange: 'msp-podcast' as const } };
    await expect(evaluate(modelDir, { sets, efficiency: { numLayers: [3] } })).rejects.toThrow(/numLayers 3 is more than the model's 2/);
    await expect(evaluate(modelDir, { sets, efficiency: { clipSeconds: [0.01] } })).rejects.toThrow(/clipSeconds 0.01 is shorter than the model's shortest input/);
  });

  test('bad options and sets are typed errors naming the problem', async () => {
    const sets = { test: { manifest: corpus.test, labelRange: 'msp-podcast' as const } };
    await expect(evaluate(modelDir, { sets: {} })).rejects.toThrow(/at least one test set/);
    await expect(evaluate(modelDir, { sets, robustness: { suite: 'journal' as never } })).rejects.toThrow(/unknown robustness suite "journal"/);
    await expect(evaluate(modelDir, { sets, fairness: { sets: ['nope'] } })).rejects.toThrow(/fairness.sets.*'nope'|"nope"/);
    await expect(evaluate(modelDir, { sets: { t: { manifest: corpus.test, columns: { valence: 'mood' as never } } } })).rejects.toThrow(InputError);
    await expect(evaluate(modelDir, { sets: { t: { manifest: corpus.test, extra: 1 } as never } })).rejects.toThrow(/unknown option 'sets.t.extra'/);
    // A mapped column that the header lacks names the manifest and the column.
    await expect(evaluate(modelDir, { sets: { t: { manifest: corpus.test, labelRange: [1, 7], columns: { sentiment: 'valence' } } } })).rejects.toThrow(/test.csv:1.*'sentiment'/);
    // Fewer than 2 labelled rows for a dimension.
    const one = path.join(path.dirname(corpus.test), 'one.csv');
    const [header, first] = fs.readFileSync(corpus.test, 'utf8').split('\n');
    fs.writeFileSync(one, `${header}\n${first}\n`);
    await expect(evaluate(modelDir, { sets: { tiny: { manifest: one, labelRange: [1, 7] } } })).rejects.toThrow(/set 'tiny'.*arousal has 1 labelled row/);
    // Fairness without a speaker column.
    const noSpeaker = path.join(path.dirname(corpus.test), 'nospeaker.csv');
    fs.writeFileSync(noSpeaker, fs.readFileSync(corpus.test, 'utf8').split('\n').map((l) => l.split(',').slice(0, 4).join(',')).join('\n'));
    await expect(evaluate(modelDir, { sets: { ns: { manifest: noSpeaker, labelRange: [1, 7] } }, fairness: true })).rejects.toThrow(/set 'ns'.*speaker column/);
    // Every file unreadable: an AudioError, not an empty report.
    const allBad = path.join(path.dirname(corpus.test), 'allbad.csv');
    fs.writeFileSync(allBad, 'file,valence\nmissing1.wav,3\nmissing2.wav,4\n');
    await expect(evaluate(modelDir, { sets: { bad: { manifest: allBad, labelRange: [1, 7] } } })).rejects.toThrow(AudioError);
    // efficiency needs the folder.
    const m = await loadModel(modelDir);
    await expect(evaluate(m, { sets, efficiency: true })).rejects.toThrow(/efficiency loads the model again/);
    m.dispose();
  });

  test('robustness: both suites, a noise folder, deterministic for a seed', async () => {
    const noise = path.join(dir, 'noise');
    for (const [cls, hz] of [['hum', 120], ['whistle', 2000]] as const) {
      fs.mkdirSync(path.join(noise, cls), { recursive: true });
      const tone = Float32Array.from({ length: 16000 }, (_, i) => 0.3 * Math.sin((2 * Math.PI * hz * i) / 16000) + 0.05 * Math.sin(i * i));
      fs.writeFileSync(path.join(noise, cls, 'a.wav'), encodeWavFloat32(tone, 16000));
    }
    const options = {
      sets: { test: { manifest: corpus.test, labelRange: 'msp-podcast' as const } },
      robustness: { suite: ['paper', 'preprint'] as Array<'paper' | 'preprint'>, noise, seed: 3, conditions: ['noise:hum@0dB', 'noise:whistle@20dB', 'speedup', 'fade', 'gain', 'lowpass'] },
    };
    const report = await evaluate(modelDir, options);
    const r = report.robustness;
    expect(r?.noise).toEqual({ source: 'folder', folder: noise, classes: ['hum', 'whistle'] });
    expect(r?.conditions.map((c) => c.name)).toEqual(['noise:hum@0dB', 'noise:whistle@20dB', 'speedup', 'fade', 'gain', 'lowpass']);
    expect(r?.results).toHaveLength(6);
    const clean = report.sets[0].ccc;
    for (const res of r?.results.slice(0, 4) ?? []) {
      for (const d of ['arousal', 'dominance', 'valence'] as const) expect(res.delta?.[d]).toBeCloseTo((res.ccc?.[d] as number) - (clean[d] as number), 12);
    }
    // 0 dB of a loud hum moves the predictions; gain by 1-2 dB barely does (the model normalises its input).
    const share = r?.results.find((x) => x.condition === 'gain')?.stableShare;
    expect(share?.valence).toBeGreaterThanOrEqual(0.9);
    expect(r?.summary.map((x) => x.suite)).toEqual(['paper', 'preprint']);
    // The same files through the manifest spelled relative to the working directory: the same noise.
    const again = await evaluate(modelDir, { ...options, sets: { test: { manifest: path.relative(process.cwd(), corpus.test), labelRange: 'msp-podcast' as const } } });
    expect(again.robustness?.results).toEqual(r?.results);
    // A wrong condition name fails before any audio is predicted.
    const progress: unknown[] = [];
    await expect(evaluate(modelDir, { ...options, robustness: { conditions: ['noise:hum@5dB'] }, onProgress: (p) => progress.push(p) })).rejects.toThrow(/unknown robustness condition 'noise:hum@5dB'/);
    expect(progress).toEqual([]);
    await expect(evaluate(modelDir, { ...options, robustness: { noise: path.join(dir, 'nowhere') } })).rejects.toThrow(InputError);
  });

  test('CLI: evaluate --set ... --report writes the report; bad --set values are one-line errors', () => {
    const out = path.join(dir, 'cli-report');
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, ['-r', './test/helpers/ts-register.js', 'lib/cli/main.ts', ...args], { cwd: path.join(__dirname, '..'), encoding: 'utf8' });
    const ok = cli('evaluate', modelDir, '--set', `t=${corpus.test}:msp-podcast`, '--set', `v=${corpus.test}:1,7:valence=valence`,
      '--robustness', 'preprint', '--condition', 'gain', '--report', out);
    expect(ok.stderr).toMatch(/report: .*report\.html/);
    expect(ok.status).toBe(0);
    const saved = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')) as { sets: Array<{ name: string; dimensions: string[] }>; robustness: { conditions: Array<{ name: string }> } };
    expect(saved.sets.map((x) => [x.name, x.dimensions.length])).toEqual([['t', 3], ['v', 3]]);
    expect(saved.robustness.conditions.map((c) => c.name)).toEqual(['gain']);
    const bad = cli('evaluate', modelDir, '--set', 'no-equals-sign');
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim()).toBe('ser-torch: --set no-equals-sign: expected name=manifest[:labelRange[:column=dimension,...]] (ERR_INPUT)');
  });

  test('readManifest maps columns and lists unreadable rows', async () => {
    const jsonl = path.join(path.dirname(corpus.test), 'mosi.jsonl');
    const first = (await readManifest(corpus.test, [1, 7])).rows[0];
    fs.writeFileSync(jsonl, `${JSON.stringify({ file: path.relative(path.dirname(jsonl), first.path), sentiment: 2, valence: 9 })}\n{"file":"gone.wav","sentiment":1}\n`);
    const m = await readManifest(jsonl, 'mosi', { columns: { sentiment: 'valence' }, skipUnreadableAudio: true });
    expect(m.dimensions).toEqual(['valence']);
    expect(m.rows[0].labels.valence).toBeCloseTo(5 / 6, 12);
    expect(m.skipped.map((x) => [x.file, x.line])).toEqual([['gone.wav', 2]]);
    expect(m.skipped[0].reason).toMatch(/gone\.wav/);
    await expect(readManifest(jsonl, 'mosi', { columns: { sentiment: 'valence' } })).rejects.toThrow(AudioError);
    // Two columns may swap dimensions; two columns onto one dimension are refused.
    const swapped = await readManifest(corpus.test, [1, 7], { columns: { arousal: 'valence', valence: 'arousal' } });
    const plain = await readManifest(corpus.test, [1, 7]);
    expect(swapped.rows[0].labels.valence).toBe(plain.rows[0].labels.arousal);
    expect(swapped.rows[0].labels.arousal).toBe(plain.rows[0].labels.valence);
    await expect(readManifest(corpus.test, [1, 7], { columns: { arousal: 'valence', dominance: 'valence' } })).rejects.toThrow(/maps both 'arousal' and 'dominance' to valence/);
    // A mapped JSONL key that first appears on a later line still makes its dimension.
    const late = path.join(path.dirname(corpus.test), 'late.jsonl');
    const f = path.relative(path.dirname(late), first.path);
    fs.writeFileSync(late, `${JSON.stringify({ file: f, arousal: 0 })}\n${JSON.stringify({ file: f, arousal: 1, sentiment: 2 })}\n`);
    const lateRead = await readManifest(late, 'mosi', { columns: { sentiment: 'valence' } });
    expect(lateRead.dimensions).toEqual(['arousal', 'valence']);
    expect(lateRead.rows[1].labels.valence).toBeCloseTo(5 / 6, 12);
    // A column mapped to its own name stays what it is.
    const same = await readManifest(corpus.test, [1, 7], { columns: { valence: 'valence' } });
    expect(same.dimensions).toEqual(['arousal', 'dominance', 'valence']);
    expect(cccOrNull([1, 1], [1, 1])).toBeNull();
  });
});
