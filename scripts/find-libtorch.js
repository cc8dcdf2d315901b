'use strict';
// Finds a libtorch CMake package (the folder holding TorchConfig.cmake) in the order:
// $Torch_DIR, $LIBTORCH, Debian's libtorch-dev, a Python torch. Fails listing every place tried.
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

function hasConfig(dir) {
  return !!dir && fs.existsSync(path.join(dir, 'TorchConfig.cmake'));
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

function findLibtorch(env = process.env) {
  const tried = [];
  for (const c of candidates(env)) {
    const dir = c.lazy ? c.lazy() : c.dir;
    if (hasConfig(dir)) return { dir, from: c.from };
    tried.push(`  - ${c.from}: ${dir || '(no torch importable)'}`);
  }
  const err = new Error(
    'ser-torch: libtorch not found. Looked in:\n' + tried.join('\n') +
    '\nInstall Debian\'s libtorch-dev (apt-get install libtorch-dev), or set Torch_DIR to the folder ' +
    'holding TorchConfig.cmake, or LIBTORCH to an unpacked libtorch.');
  err.code = 'ERR_LIBTORCH_NOT_FOUND';
  throw err;
}

module.exports = { findLibtorch, candidates };

if (require.main === module) {
  try {
    const found = findLibtorch();
    console.log(found.dir);
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
