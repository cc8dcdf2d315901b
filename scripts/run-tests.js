'use strict';
// The test command: the plain C++ tests (no Node), then jest. Prints one closing line
// "N passed, N failed" and fails when anything failed or nothing ran.
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
let passed = 0;
let failed = 0;

const coreTests = path.join(root, 'build', 'ser_core_tests');
if (!fs.existsSync(coreTests)) {
  // A prebuilt addon skips the source build that makes the C++ test executable: build it now.
  const b = spawnSync(process.execPath, [path.join(__dirname, 'build-native.js')], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0 || !fs.existsSync(coreTests)) {
    console.error('ser-torch: could not build build/ser_core_tests');
    process.exit(1);
  }
}
const core = spawnSync(coreTests, [path.join(root, 'test', 'fixtures')], { encoding: 'utf8' });
process.stdout.write(core.stdout || '');
process.stderr.write(core.stderr || '');
const m = /(\d+) passed, (\d+) failed/.exec(core.stdout || '');
if (m) {
  passed += Number(m[1]);
  failed += Number(m[2]);
}
if (core.status !== 0 && !(m && Number(m[2]) > 0)) failed += 1;  // crashed

const results = path.join(root, 'test-results.json');
fs.rmSync(results, { force: true });
const jest = spawnSync(process.execPath, [require.resolve('jest/bin/jest'), '--json', '--outputFile', results,
  ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
if (fs.existsSync(results)) {
  const r = JSON.parse(fs.readFileSync(results, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests + r.numRuntimeErrorTestSuites;
} else {
  failed += 1;
}
if (jest.status !== 0 && failed === 0) failed += 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
