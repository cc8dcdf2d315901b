// SER_TORCH_PROCESS_TUNING=0 leaves the host's process settings alone (issue 9: loading the addon
// changed malloc, the allocator and OMP_WAIT_POLICY with no way to opt out). The two variables the
// package sets are read by libgomp and OpenBLAS when they load; info().blasThreadTimeout is what
// OpenBLAS itself read, so these tests see the setting take effect, not only the variable.
import { spawnSync } from 'child_process';
import * as path from 'path';

const tsRegister = path.join(__dirname, 'helpers', 'ts-register.js');
const lib = path.join(__dirname, '..', 'lib', 'index.ts');

interface AfterLoad {
  /** info().blas: which BLAS the addon found (OpenBLAS here; MKL in the pip wheels). */
  blas: string;
  omp: string;
  blasTimeoutEnv: string;
  /** OpenBLAS's own reading; undefined where the BLAS is not OpenBLAS. */
  blasTimeout: number | undefined;
}

function afterLoad(env: NodeJS.ProcessEnv): AfterLoad {
  const script = `const i = require(${JSON.stringify(lib)}).info();
    console.log(JSON.stringify({ blas: i.blas, omp: String(process.env.OMP_WAIT_POLICY),
      blasTimeoutEnv: String(process.env.OPENBLAS_THREAD_TIMEOUT), blasTimeout: i.blasThreadTimeout }));`;
  const r = spawnSync(process.execPath, ['-r', tsRegister, '-e', script], { encoding: 'utf8', env });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as AfterLoad;
}

function untunedEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.OMP_WAIT_POLICY;
  delete env.OPENBLAS_THREAD_TIMEOUT;
  delete env.SER_TORCH_PROCESS_TUNING;
  return env;
}

test('by default the addon sets OMP_WAIT_POLICY=PASSIVE and OPENBLAS_THREAD_TIMEOUT=4; values the host set are kept', () => {
  const tuned = afterLoad(untunedEnv());
  expect(tuned.omp).toBe('PASSIVE');
  expect(tuned.blasTimeoutEnv).toBe('4');
  // OpenBLAS read it at load (where the BLAS is OpenBLAS, it must say so).
  expect(tuned.blasTimeout).toBe(tuned.blas === 'openblas' ? 4 : undefined);
  const host = afterLoad({ ...untunedEnv(), OMP_WAIT_POLICY: 'ACTIVE', OPENBLAS_THREAD_TIMEOUT: '20' });
  expect(host.omp).toBe('ACTIVE');
  expect(host.blasTimeoutEnv).toBe('20');
  expect(host.blasTimeout).toBe(host.blas === 'openblas' ? 20 : undefined);
});

test('SER_TORCH_PROCESS_TUNING=0 leaves OMP_WAIT_POLICY and OPENBLAS_THREAD_TIMEOUT unset', () => {
  const r = afterLoad({ ...untunedEnv(), SER_TORCH_PROCESS_TUNING: '0' });
  expect(r.omp).toBe('undefined');
  expect(r.blasTimeoutEnv).toBe('undefined');
  expect(r.blasTimeout).toBe(r.blas === 'openblas' ? 0 : undefined); // OpenBLAS's "unset": its default
});
