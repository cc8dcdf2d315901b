'use strict';
// Checks what a source build needs before CMake runs, so that a missing piece is named as the
// Debian package to install instead of surfacing as a raw CMake error.
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { findLibtorch } = require('./find-libtorch');

// How the checks look at the system; replaceable so the rules can be exercised without
// uninstalling anything.
const system = {
  runs: (cmd, args) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0,
  output: (cmd, args) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return r.status === 0 ? r.stdout : null;
  },
  exists: (file) => fs.existsSync(file),
  libtorch: () => {
    try {
      findLibtorch();
      return true;
    } catch {
      return false;
    }
  },
};

const INCLUDE_DIRS = ['/usr/include', '/usr/local/include'];

function cmakeProblem(sys) {
  const out = sys.output('cmake', ['--version']);
  if (out === null) return 'cmake not found on PATH';
  const m = /version (\d+)\.(\d+)/.exec(out);
  if (m && (Number(m[1]) < 3 || (Number(m[1]) === 3 && Number(m[2]) < 18))) return `cmake ${m[1]}.${m[2]} is older than 3.18`;
  return null;
}

// A library CMake finds through pkg-config: ask pkg-config; without it, look for the header.
function libraryProblem(sys, pc, header) {
  if (sys.runs('pkg-config', ['--version'])) {
    return sys.runs('pkg-config', ['--exists', pc]) ? null : `pkg-config finds no ${pc}`;
  }
  return INCLUDE_DIRS.some((d) => sys.exists(path.join(d, header))) ? null : `no ${header}`;
}

const CHECKS = [
  { apt: 'cmake', problem: cmakeProblem },
  { apt: 'g++', problem: (sys) => (sys.runs(process.env.CXX || 'c++', ['--version']) ? null : `no C++ compiler (${process.env.CXX || 'c++'})`) },
  // cmake-js uses Ninja when present (build-native.js), Make otherwise.
  { apt: 'make', problem: (sys) => (sys.runs('ninja', ['--version']) || sys.runs('make', ['--version']) ? null : 'neither make nor ninja found') },
  { apt: 'pkg-config', problem: (sys) => (sys.runs('pkg-config', ['--version']) ? null : 'pkg-config not found') },
  { apt: 'libsndfile1-dev', problem: (sys) => libraryProblem(sys, 'sndfile', 'sndfile.h') },
  { apt: 'libsoxr-dev', problem: (sys) => libraryProblem(sys, 'soxr', 'soxr.h') },
  { apt: 'nlohmann-json3-dev', problem: (sys) => libraryProblem(sys, 'nlohmann_json', 'nlohmann/json.hpp') },
  { apt: 'libtorch-dev', problem: (sys) => (sys.libtorch() ? null : 'no TorchConfig.cmake (see find-libtorch.js; Torch_DIR / LIBTORCH also work)') },
  // c10d's ProcessGroupGloo.hpp includes gloo's headers (data-parallel training).
  { apt: 'libgloo-dev', problem: (sys) => (INCLUDE_DIRS.some((d) => sys.exists(path.join(d, 'gloo', 'algorithm.h'))) ? null : 'no gloo/algorithm.h') },
];

/** The checks that fail: [{ apt, problem }]. */
function missingBuildDeps(sys = system) {
  const missing = [];
  for (const c of CHECKS) {
    const problem = c.problem(sys);
    if (problem) missing.push({ apt: c.apt, problem });
  }
  return missing;
}

function describeMissing(missing) {
  return ['ser-torch: cannot build the native addon from source; missing:',
    ...missing.map((m) => `  - ${m.apt}: ${m.problem}`),
    'Install them (Debian 12 / Ubuntu):',
    `  sudo apt-get install -y --no-install-recommends ${missing.map((m) => m.apt).join(' ')}`,
    'Set SER_TORCH_SKIP_BUILD_CHECKS=1 to skip this check (e.g. libraries installed outside the system paths).',
  ].join('\n');
}

module.exports = { missingBuildDeps, describeMissing, system };

if (require.main === module) {
  const missing = missingBuildDeps();
  if (missing.length) {
    console.error(describeMissing(missing));
    process.exit(1);
  }
  console.error('ser-torch: build dependencies found');
}
