'use strict';
// Makes prebuilds/<platform>-<arch>/ser-torch.<libc>.node for the release tarball, named by
// prebuildify (--napi --tag-libc --strip), from the addon build-native.js builds (the addon
// target only, incremental: seconds when it is up to date). prebuildify moves the file it finds in <cwd>/build/Release, so
// it runs in a staging folder: the shared build/ is neither rebuilt from scratch nor emptied.
// --no-build: package build/Release/ser_torch.node as it is (the caller has just built it).
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.join(__dirname, '..');
const addon = path.join(root, 'build', 'Release', 'ser_torch.node');
const outDir = path.join(root, 'prebuilds', `${os.platform()}-${os.arch()}`);

function fail(msg) {
  console.error(`ser-torch prebuild: ${msg}`);
  process.exit(1);
}

if (!process.argv.includes('--no-build')) {
  const b = spawnSync(process.execPath, [path.join(__dirname, 'build-native.js'), '--addon-only'], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0) fail('the native build failed');
}
if (!fs.existsSync(addon)) fail(`${addon} is missing: run npm run build:native first`);

// Stale prebuilds of this platform (an older name, another libc tag) would ship too.
fs.rmSync(outDir, { recursive: true, force: true });
const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'ser-torch-prebuild-'));
let r;
try {
  r = spawnSync(process.execPath, [require.resolve('prebuildify/bin.js'), '--napi', '--strip', '--tag-libc',
    '--name', require(path.join(root, 'package.json')).name, '--out', root, '--cwd', staging,
    '--node-gyp', path.join(__dirname, 'prebuild-node-gyp.sh')],
  { cwd: root, stdio: 'inherit', env: { ...process.env, SER_TORCH_ADDON: addon } });
} finally {
  fs.rmSync(staging, { recursive: true, force: true });
}
if (r.status !== 0) fail('prebuildify failed');
const made = fs.readdirSync(outDir);
for (const f of made) {
  console.error(`ser-torch prebuild: ${path.relative(root, path.join(outDir, f))} (${(fs.statSync(path.join(outDir, f)).size / 1e6).toFixed(1)} MB)`);
}
