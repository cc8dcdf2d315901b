'use strict';
// The test command: a list of steps run in order, each counting passed and failed checks.
// Prints one closing line "N passed, N failed" and fails when anything failed or nothing ran.
// Arguments are passed to jest.
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.join(__dirname, '..');
const coreTests = path.join(root, 'build', 'ser_core_tests');

function node(script, args = [], opts = {}) {
  return spawnSync(process.execPath, [script, ...args], { cwd: root, stdio: 'inherit', ...opts });
}

/** Counts from a "N passed, N failed" line in text; a non-zero exit without failures counts one. */
function counted(text, re, status) {
  const m = re.exec(text || '');
  const r = m ? { passed: Number(m[1]), failed: Number(m[2]) } : { passed: 0, failed: 0 };
  if (status !== 0 && r.failed === 0) r.failed = 1;
  return r;
}

// Always run the (incremental) build: a stale addon or test binary can otherwise pass.
function nativeBuild() {
  const b = node(path.join(__dirname, 'build-native.js'));
  const ok = b.status === 0 && fs.existsSync(coreTests);
  if (!ok) console.error('ser-torch: the native build failed (or made no build/ser_core_tests)');
  return { passed: 0, failed: ok ? 0 : 1, stop: !ok };
}

function cppTests() {
  const core = spawnSync(coreTests, [path.join(root, 'test', 'fixtures')], { encoding: 'utf8', maxBuffer: 64 << 20 });
  process.stdout.write(core.stdout || '');
  process.stderr.write(core.stderr || '');
  return counted(core.stdout, /(\d+) passed, (\d+) failed/, core.status);
}

function jest() {
  const results = path.join(root, 'test-results.json');
  fs.rmSync(results, { force: true });
  const j = node(require.resolve('jest/bin/jest'), ['--json', '--outputFile', results, ...process.argv.slice(2)]);
  if (!fs.existsSync(results)) return { passed: 0, failed: 1 };
  const r = JSON.parse(fs.readFileSync(results, 'utf8'));
  const failed = r.numFailedTests + r.numRuntimeErrorTestSuites;
  return { passed: r.numPassedTests, failed: failed === 0 && j.status !== 0 ? 1 : failed };
}

// A check that passes or fails as a whole (exit status): one counted check.
function check(command, args) {
  const r = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  return { passed: r.status === 0 ? 1 : 0, failed: r.status === 0 ? 0 : 1 };
}
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

// dist/ is what the package ships and what the ESM-entry test imports: never stale in a test run.
const typescriptBuild = () => check('npm', ['run', '--silent', 'build:ts']);
const typesOfTests = () => check(bin('tsc'), ['-p', 'tsconfig.test.json', '--noEmit']);
const lint = () => check(bin('eslint'), ['.']);
const cppFormat = () => check(process.execPath, [path.join(__dirname, 'check-format.js')]);

// Packs and installs the tarball into fresh apps (scripts/release-check.js); counts its checks.
function releaseCheck() {
  const r = node(path.join(__dirname, 'release-check.js'), [], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  process.stdout.write(r.stdout || '');
  return counted(r.stdout, /release check: (\d+) passed, (\d+) failed/, r.status);
}

// In order: the quick checks first, then the slow ones.
const STEPS = [
  { name: 'typescript build', run: typescriptBuild },
  { name: 'types (tests included)', run: typesOfTests },
  { name: 'lint', run: lint },
  { name: 'C++ format', run: cppFormat },
  { name: 'native build', run: nativeBuild },
  { name: 'C++ tests', run: cppTests },
  { name: 'jest', run: jest },
  { name: 'release check', run: releaseCheck },
];

// Every step's temporary files go into one folder of this run (TMPDIR, inherited by the C++ tests,
// jest's workers and the processes they start), removed when the run passes: hundreds of test
// folders a run otherwise piled up in /tmp. A failed run keeps it for a look; SER_KEEP_TEST_TMP=1
// keeps it always.
const runTmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ser-test-run-'));
process.env.TMPDIR = runTmp;

let passed = 0;
let failed = 0;
for (const step of STEPS) {
  const r = step.run();
  passed += r.passed;
  failed += r.failed;
  console.error(`ser-torch test step "${step.name}": ${r.passed} passed, ${r.failed} failed`);
  if (r.stop) break;
}
const ok = failed === 0 && passed > 0;
if (ok && !process.env.SER_KEEP_TEST_TMP) fs.rmSync(runTmp, { recursive: true, force: true });
else console.error(`ser-torch: the tests' temporary files are in ${runTmp}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(ok ? 0 : 1);
