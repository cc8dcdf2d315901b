'use strict';
// npm install hook: use a prebuilt addon when one loads here, otherwise build from source.
const { spawnSync } = require('child_process');
const path = require('path');

const root = path.join(__dirname, '..');
function loads() {
  try {
    require('node-gyp-build')(root);
    return true;
  } catch {
    return false;
  }
}

if (!process.env.SER_TORCH_BUILD_FROM_SOURCE && loads()) {
  console.error('ser-torch: using the prebuilt addon');
  process.exit(0);
}
const r = spawnSync(process.execPath, [path.join(__dirname, 'build-native.js')], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status === null ? 1 : r.status);
// From a git checkout the TypeScript sources still need compiling.
const fs = require('fs');
if (!fs.existsSync(path.join(root, 'dist/lib/index.js')) && fs.existsSync(path.join(root, 'tsconfig.json'))) {
  const tsc = spawnSync('npm', ['run', 'build:ts'], { cwd: root, stdio: 'inherit' });
  process.exit(tsc.status === null ? 1 : tsc.status);
}
