'use strict';
// Finds a libtorch CMake package (the folder holding TorchConfig.cmake) in the order:
// $Torch_DIR, $LIBTORCH, Debian's libtorch-dev, a Python torch. Fails listing every place tried.
//
// Selecting a libtorch other than Debian's needs CMAKE_PREFIX_PATH set to its root, not only
// Torch_DIR: TorchConfig.cmake looks its libraries up with find_library(... PATHS <root>/lib),
// which searches the system folders first, so with Debian's libtorch-dev installed Torch_DIR alone
// links Debian's libtorch.so and libc10.so next to the wheel's (measured: "Found Torch:
// /usr/lib/x86_64-linux-gnu/libtorch.so" with Torch_DIR at the wheel). cmakeDefines() says what to pass.
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

function hasConfig(dir) {
  return !!dir && fs.existsSync(path.join(dir, 'TorchConfig.cmake'));
}

// The install root of a libtorch laid out as <root>/share/cmake/Torch + <root>/lib (a libtorch zip,
// a wheel's torch/ folder); null for a system layout (Debian: /usr/lib/<arch>/cmake/Torch).
function installPrefix(dir) {
  const root = path.resolve(dir, '..', '..', '..');
  const lib = path.join(root, 'lib');
  return fs.existsSync(path.join(lib, 'libtorch.so')) || fs.existsSync(path.join(lib, 'libtorch_cpu.so')) ? root : null;
}

function pythonPrefix(python) {
  try {
    const out = execFileSync(python, ['-c', 'import torch.utils; print(torch.utils.cmake_prefix_path)'], {
      encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60000,
    });
    return out.trim();
  } catch {
    return null;
  }
}

function candidates(env = process.env) {
  const list = [];
  if (env.Torch_DIR) list.push({ from: '$Torch_DIR', dir: env.Torch_DIR });
  if (env.LIBTORCH) {
    list.push({ from: '$LIBTORCH', dir: path.join(env.LIBTORCH, 'share/cmake/Torch') });
    // An unpacked wheel: LIBTORCH names the folder holding torch/.
    list.push({ from: '$LIBTORCH', dir: path.join(env.LIBTORCH, 'torch/share/cmake/Torch') });
    list.push({ from: '$LIBTORCH', dir: env.LIBTORCH });
  }
  for (const arch of ['x86_64-linux-gnu', 'aarch64-linux-gnu']) {
    list.push({ from: "Debian's libtorch-dev", dir: `/usr/lib/${arch}/cmake/Torch` });
  }
  for (const python of [env.PYTHON, 'python3', '/usr/bin/python3', 'python'].filter(Boolean)) {
    list.push({ from: `Python torch (${python})`, lazy: () => {
      const prefix = pythonPrefix(python);
      return prefix ? path.join(prefix, 'Torch') : null;
    } });
  }
  return list;
}

// { dir, prefix, from }: prefix is the install root (null for a system layout).
function findLibtorch(env = process.env) {
  const tried = [];
  for (const c of candidates(env)) {
    const dir = c.lazy ? c.lazy() : c.dir;
    if (hasConfig(dir)) {
      const resolved = path.resolve(dir);
      return { dir: resolved, prefix: installPrefix(resolved), from: c.from };
    }
    tried.push(`  - ${c.from}: ${dir || '(no torch importable)'}`);
  }
  const err = new Error(
    'ser-torch: libtorch not found. Looked in:\n' + tried.join('\n') +
    '\nInstall Debian\'s libtorch-dev (apt-get install libtorch-dev), or set Torch_DIR to the folder ' +
    'holding TorchConfig.cmake, or LIBTORCH to an unpacked libtorch.');
  err.code = 'ERR_LIBTORCH_NOT_FOUND';
  throw err;
}

// The CMake cache entries that select `found` and nothing else: Torch_DIR, and CMAKE_PREFIX_PATH
// at its root so that its lib/ is searched before the system's.
function cmakeDefines(found) {
  const defs = { Torch_DIR: found.dir };
  if (found.prefix) defs.CMAKE_PREFIX_PATH = found.prefix;
  return defs;
}

// The Torch_DIR an existing build tree was configured with (null when none): find_library results
// stay cached, so a build tree made for another libtorch must be configured afresh.
function cachedTorchDir(buildDir) {
  try {
    const cache = fs.readFileSync(path.join(buildDir, 'CMakeCache.txt'), 'utf8');
    const m = /^Torch_DIR:[A-Z]+=(.*)$/m.exec(cache);
    return m ? path.resolve(m[1]) : null;
  } catch {
    return null;
  }
}

module.exports = { findLibtorch, candidates, cmakeDefines, cachedTorchDir, installPrefix };

if (require.main === module) {
  try {
    const found = findLibtorch();
    // --cmake: the -D arguments for a plain cmake configure (scripts/ci-torch2.sh, by hand).
    if (process.argv.includes('--cmake')) {
      console.log(Object.entries(cmakeDefines(found)).map(([k, v]) => `-D${k}=${v}`).join('\n'));
    } else {
      console.log(found.dir);
    }
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
