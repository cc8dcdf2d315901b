'use strict';
// Builds the addon (and the plain C++ test executable) with cmake-js against the libtorch that
// find-libtorch.js finds. Output: build/Release/ser_torch.node, build/ser_core_tests.
const { spawnSync } = require('child_process');
const path = require('path');
const { findLibtorch } = require('./find-libtorch');

const root = path.join(__dirname, '..');
const torch = findLibtorch();
console.error(`ser-torch: building against libtorch from ${torch.from}: ${torch.dir}`);
const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
const args = [cmakeJs, process.argv.includes('--rebuild') ? 'rebuild' : 'build', '--out', 'build',
  `--CDTorch_DIR=${torch.dir}`, '--CDCMAKE_BUILD_TYPE=Release'];
if (spawnSync('ninja', ['--version'], { stdio: 'ignore' }).status === 0) args.push('--generator', 'Ninja');
const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
process.exit(r.status === null ? 1 : r.status);
