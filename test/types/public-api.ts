// Compile-time checks of the public types: test/typing.test.ts compiles this file (nothing runs it).
// Each @ts-expect-error must stay an error: if a type loosens, the compile reports it as unused.
import {
  AbortError,
  InputError,
  loadModel,
  readManifest,
  train,
  type Manifest,
  type Prediction,
  type SerError,
  type SerErrorCode,
  type TrainOptions,
  type TrainResult,
  TrainingRun,
} from '../../lib';

const base = { train: 'train.csv', dev: 'dev.csv', outDir: 'out', model: 'm' };

export function trainingRunIsAPromise(run: TrainingRun): void {
  const p: Promise<TrainResult> = run;
  void p;
  run.catch((e: unknown) => e).finally(() => undefined);
  void run.then((r) => r.bestDir.length);
  void (async () => {
    for await (const e of train(base)) if (e.type === 'step') void e.loss.toFixed();
    const r: TrainResult = await train(base);
    void r;
  });
}

export function errorCodesAreLiterals(e: InputError, a: AbortError, any: SerError): void {
  const input: 'ERR_INPUT' = e.code;
  const aborted: 'ERR_ABORTED' = a.code;
  // @ts-expect-error an InputError's code is 'ERR_INPUT', nothing else
  const config: 'ERR_CONFIG' = e.code;
  const code: SerErrorCode = any.code;
  // @ts-expect-error not a code ser-torch produces
  const made: SerErrorCode = 'ERR_SOMETHING';
  void [input, aborted, config, code, made];
}

export function optionsAreTyped(): void {
  const ok: TrainOptions = { ...base, device: 'cuda:1', threads: 2, freezeFeatureEncoder: false };
  // @ts-expect-error device is 'cpu' | 'cuda' | `cuda:${number}`
  const device: TrainOptions = { ...base, device: 'tpu' };
  // @ts-expect-error freezeFeatureEncoder is a boolean
  const freeze: TrainOptions = { ...base, freezeFeatureEncoder: 'false' };
  // @ts-expect-error signal is an AbortSignal
  const signal: TrainOptions = { ...base, signal: {} };
  void [ok, device, freeze, signal];
}

export async function predictionsAreKeyedByLabels(p: Prediction): Promise<void> {
  const arousal: number = p.arousal + p.dominance + p.valence;
  // @ts-expect-error the default labels are arousal, dominance, valence
  void p.happiness;
  const other = await loadModel<'happy' | 'sad'>('dir');
  const [q] = await other.predict('clip.wav');
  const happy: number = q.happy;
  const labels: readonly ('happy' | 'sad')[] = other.labels;
  void [arousal, happy, labels];
}

export async function manifestsAreTyped(): Promise<void> {
  const m: Manifest = await readManifest('data.csv', 'msp-podcast');
  const first = m.rows[0];
  const gold: number | undefined = first.labels.valence;
  const seconds: number = first.seconds;
  // @ts-expect-error labels hold the three dimensions only
  void first.labels.happiness;
  void [gold, seconds, m.dimensions.includes('arousal')];
}
