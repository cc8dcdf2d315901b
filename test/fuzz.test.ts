// The CI slice of the fuzz harness (fuzz/README.md): every named regression case of issue 11 in
// its own process, then a fixed, seeded slice of mutants of every target, each under a 4 GB
// address-space limit and a timeout. Any crash, hang, untyped error, misfiled LibtorchError or
// NaN result fails, printing the saved input and its seed. Sized to stay under ~2 minutes on 2 cores.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

interface CaseResult { class: string; detail?: string }
interface Regressions {
  runRegressions(this: void, o: { parallel: number; ci: boolean; log: (line: string) => void }): Promise<{ results: Array<{ name: string; pass: boolean }> }>;
}
interface Campaigns {
  campaign(this: void, o: { target: string; seconds: number; seed: number; maxCases: number; outDir: string; log: (line: string) => void }): Promise<{
    cases: number;
    failures: CaseResult[];
  }>;
}
// The harness is plain Node (fuzz/run.js runs it without a build); required here as such.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runRegressions } = require('../fuzz/lib/run-regressions') as Regressions;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { campaign } = require('../fuzz/lib/campaign') as Campaigns;

const findings = fs.mkdtempSync(path.join(os.tmpdir(), 'ser-fuzz-ci-'));

test('every regression case of issue 11 ends in its typed error (or a result), each in its own process', async () => {
  const lines: string[] = [];
  const { results } = await runRegressions({ parallel: 2, ci: true, log: (l: string) => lines.push(l) });
  const failed = results.filter((r) => !r.pass);
  if (failed.length > 0) throw new Error(`regression cases failed:\n${lines.filter((l) => l.startsWith('FAIL')).join('\n')}`);
  expect(results.length).toBeGreaterThanOrEqual(40);
}, 300_000); // ~60 s on an idle 2-core machine; the limit only guards a stuck run

// Cases per target: model-file targets load a model per case (~0.3 s); audio and manifests are quicker.
const SLICE: Array<[string, number]> = [
  ['safetensors', 16],
  ['config', 16],
  ['torch', 12],
  ['audio', 60],
  ['manifest', 40],
  ['api', 16],
];
const SEED = 20261201;

test('a seeded mutation slice of every target: no crash, hang, untyped error or NaN', async () => {
  const lines: string[] = [];
  const runs = await Promise.all(
    [SLICE.filter((_, i) => i % 2 === 0), SLICE.filter((_, i) => i % 2 === 1)].map(async (half) => {
      const out = [];
      for (const [target, cases] of half) {
        out.push({ target, ...(await campaign({ target, seconds: 60, seed: SEED, maxCases: cases, outDir: findings, log: (l: string) => lines.push(l) })) });
      }
      return out;
    }),
  );
  const all = runs.flat();
  const failures = all.flatMap((r) => r.failures);
  if (failures.length > 0) throw new Error(`fuzz slice failures (seed ${SEED}):\n${lines.join('\n')}`);
  for (const r of all) expect(r.cases).toBe(SLICE.find(([t]) => t === r.target)![1]);
}, 300_000); // ~25 s on an idle 2-core machine; the limit only guards a stuck run
