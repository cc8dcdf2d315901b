// SER_TORCH_PROCESS_TUNING=0 leaves the host's process settings alone (issue 9: loading the addon
// changed malloc, the allocator and OMP_WAIT_POLICY with no way to opt out).
import { spawnSync } from 'child_process';
import * as path from 'path';

const tsRegister = path.join(__dirname, 'helpers', 'ts-register.js');
const lib = path.join(__dirname, '..', 'lib', 'index.ts');

function ompAfterLoad(env: NodeJS.ProcessEnv): string {
  const script = `require(${JSON.stringify(lib)}).info(); console.log(String(process.env.OMP_WAIT_POLICY));`;
  const r = spawnSync(process.execPath, ['-r', tsRegister, '-e', script], { encoding: 'utf8', env });
  expect(r.status).toBe(0);
  return r.stdout.trim();
}

test('by default the addon sets OMP_WAIT_POLICY=PASSIVE; a value the host set is kept', () => {
  const env = { ...process.env };
  delete env.OMP_WAIT_POLICY;
  delete env.SER_TORCH_PROCESS_TUNING;
  expect(ompAfterLoad(env)).toBe('PASSIVE');
  expect(ompAfterLoad({ ...env, OMP_WAIT_POLICY: 'ACTIVE' })).toBe('ACTIVE');
});

test('SER_TORCH_PROCESS_TUNING=0 leaves OMP_WAIT_POLICY unset', () => {
  const env: NodeJS.ProcessEnv = { ...process.env, SER_TORCH_PROCESS_TUNING: '0' };
  delete env.OMP_WAIT_POLICY;
  expect(ompAfterLoad(env)).toBe('undefined');
});
