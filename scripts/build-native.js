'use strict';
// Builds the addon with cmake-js against the libtorch that find-libtorch.js finds.
// - From a git checkout (development): the addon and the plain C++ test executable
//   (build/ser_core_tests), compiler output shown, the build tree kept for incremental rebuilds.
// - Installed as a dependency (no .git): the addon only, progress lines on stderr instead of
//   compiler output, and afterwards the build tree (~450 MB, mostly a precompiled header) is
//   removed, keeping build/Release/ser_torch.node.
// --addon-only: build just the addon target (scripts/prebuild.js), not the C++ tests.
// --rebuild: configure and build from scratch.
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { findLibtorch, cmakeDefines, cachedTorchDir } = require('./find-libtorch');
const { missingBuildDeps, describeMissing } = require('./check-build-deps');

const root = path.join(__dirname, '..');
const buildDir = path.join(root, 'build');
const addon = path.join(buildDir, 'Release', 'ser_torch.node');
const dev = fs.existsSync(path.join(root, '.git'));
// A unity build of the addon and the C++ tests takes 2.5-3 min on an idle 2-core machine; a busy
// one took several times that (README, "Install from npm").
const EXPECTED = '3-15 minutes on 2 cores';

function say(line) {
  process.stderr.write(`ser-torch: ${line}\n`);
}

// npm (without --foreground-scripts) shows an install script's output only when it fails: the
// start line and the outcome also go to the terminal, when there is one, so a long build is not silent.
function announce(line) {
  say(line);
  if (process.stderr.isTTY) return;
  try {
    const tty = fs.openSync('/dev/tty', 'w');
    fs.writeSync(tty, `ser-torch: ${line}\n`);
    fs.closeSync(tty);
  } catch {
    // no terminal (CI, a service): stderr only
  }
}

function minutes(ms) {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

function cmakeJsArgs(torch) {
  // A build tree configured for another libtorch keeps its cached library paths: start afresh.
  const cached = cachedTorchDir(buildDir);
  const switched = cached !== null && cached !== torch.dir;
  const args = [require.resolve('cmake-js/bin/cmake-js'), process.argv.includes('--rebuild') || switched ? 'rebuild' : 'build',
    '--out', 'build', ...Object.entries(cmakeDefines(torch)).map(([k, v]) => `--CD${k}=${v}`), '--CDCMAKE_BUILD_TYPE=Release',
    `--CDSER_BUILD_TESTS=${dev ? 'ON' : 'OFF'}`];
  const ninja = spawnSync('ninja', ['--version'], { stdio: 'ignore' }).status === 0;
  if (ninja) args.push('--generator', 'Ninja');
  if (process.argv.includes('--addon-only')) args.push('--target', 'ser_torch');
  return args;
}

// Everything in build/ except Release/ser_torch.node.
function cleanBuildTree() {
  for (const entry of fs.readdirSync(buildDir)) {
    if (entry !== 'Release') fs.rmSync(path.join(buildDir, entry), { recursive: true, force: true });
  }
  const release = path.join(buildDir, 'Release');
  for (const entry of fs.readdirSync(release)) {
    if (entry !== 'ser_torch.node') fs.rmSync(path.join(release, entry), { recursive: true, force: true });
  }
}

function runDev(args) {
  const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });
  child.on('close', (code) => process.exit(code === null ? 1 : code));
}

// Compiler output goes to a log file; stderr gets a status line every 30 s and the outcome.
function runAsDependency(args) {
  const log = path.join(os.tmpdir(), `ser-torch-build-${process.pid}.log`);
  const logFd = fs.openSync(log, 'w');
  const started = Date.now();
  announce(`building the native addon from source (addon only). This takes ${EXPECTED}; ` +
    `progress: npm install --foreground-scripts. Log: ${log}`);
  let step = '';
  let partial = '';
  const onData = (buf) => {
    fs.writeSync(logFd, buf);
    const lines = (partial + buf.toString()).split('\n');
    partial = lines.pop();
    for (const l of lines) {
      // Ninja: "[12/70] Building CXX object ..."; Make: "[ 45%] Building CXX object ...".
      const m = /^\[\s*(\d+\/\d+|\d+%)\]/.exec(l);
      if (m) step = m[1];
    }
  };
  const timer = setInterval(() => say(`still building: ${minutes(Date.now() - started)}${step ? `, step ${step}` : ''}`), 30000);
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  child.on('close', (code) => {
    clearInterval(timer);
    fs.closeSync(logFd);
    const took = minutes(Date.now() - started);
    if (code !== 0 || !fs.existsSync(addon)) {
      const tail = fs.readFileSync(log, 'utf8').split('\n').slice(-40).join('\n');
      announce(`source build FAILED after ${took}; the log's end follows.`);
      say(`last lines of the log:\n${tail}\nFull log: ${log}`);
      process.exit(code || 1);
    }
    cleanBuildTree();
    fs.rmSync(log, { force: true });
    announce(`built build/Release/ser_torch.node in ${took}; build tree removed`);
  });
}

function main() {
  if (!process.env.SER_TORCH_SKIP_BUILD_CHECKS) {
    const missing = missingBuildDeps();
    if (missing.length) {
      console.error(describeMissing(missing));
      process.exit(1);
    }
  }
  let torch;
  try {
    torch = findLibtorch();
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
  say(`building against libtorch from ${torch.from}: ${torch.dir}`);
  const args = cmakeJsArgs(torch);
  if (dev) runDev(args);
  else runAsDependency(args);
}

main();
