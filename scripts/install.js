'use strict';
// npm install hook: use a prebuilt addon when one loads here, otherwise build from source
// (SER_TORCH_BUILD_FROM_SOURCE=1 forces the source build). Says why a prebuild was not used.
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const RUNTIME_PACKAGES = 'libtorch1.13 libsndfile1 libsoxr0 libopenblas0-pthread';

function say(line) {
  process.stderr.write(`ser-torch: ${line}\n`);
}

/** { file } when an addon (build/Release or a prebuild) loads, else { problem }: why not. */
function tryLoad() {
  try {
    const file = require('node-gyp-build').path(root);
    require(file);
    return { file: path.relative(root, file) };
  } catch (e) {
    return { problem: String(e && e.message ? e.message : e).trim() };
  }
}

function hint(problem) {
  if (/cannot open shared object file/.test(problem)) {
    return `the prebuild needs Debian 12's runtime packages: apt-get install ${RUNTIME_PACKAGES}`;
  }
  if (/No native build was found/.test(problem)) return 'no prebuild for this platform, Node-API version or libc';
  return null;
}

if (process.env.SER_TORCH_BUILD_FROM_SOURCE) {
  say('SER_TORCH_BUILD_FROM_SOURCE is set: building from source');
} else {
  const { file, problem } = tryLoad();
  if (file) {
    say(`using the ${file.startsWith('prebuilds') ? 'prebuilt' : 'already built'} addon ${file}`);
    process.exit(0);
  }
  say(`the prebuilt addon does not load here: ${problem}`);
  const h = hint(problem);
  if (h) say(h);
  say('building from source instead');
}

const r = spawnSync(process.execPath, [path.join(__dirname, 'build-native.js')], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status === null ? 1 : r.status);
// From a git checkout the TypeScript sources still need compiling.
if (!fs.existsSync(path.join(root, 'dist/lib/index.js')) && fs.existsSync(path.join(root, 'tsconfig.json'))) {
  const tsc = spawnSync('npm', ['run', 'build:ts'], { cwd: root, stdio: 'inherit' });
  process.exit(tsc.status === null ? 1 : tsc.status);
}
