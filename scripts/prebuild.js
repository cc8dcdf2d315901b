'use strict';
// Produces prebuilds/<platform>-<arch>/ser-torch.node with prebuildify, which has no cmake-js
// backend: its --node-gyp hook points at a small script that runs our build instead.
const { spawnSync } = require('child_process');
const path = require('path');

const root = path.join(__dirname, '..');
const prebuildify = require.resolve('prebuildify/bin.js');
const r = spawnSync(process.execPath, [prebuildify, '--napi', '--strip', '--name', 'ser-torch',
  '--node-gyp', path.join(__dirname, 'prebuild-node-gyp.sh')], { cwd: root, stdio: 'inherit' });
process.exit(r.status === null ? 1 : r.status);
