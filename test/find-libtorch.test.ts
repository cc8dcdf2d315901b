// scripts/find-libtorch.js selects one libtorch and only that one (issue 14): with Debian's
// libtorch-dev installed, Torch_DIR alone links Debian's libtorch.so / libc10.so next to another
// libtorch's; CMAKE_PREFIX_PATH at the selected root does not. The CMake checks configure a
// one-line project against a libtorch 2.x (SER_TORCH_EXPECT_LIBTORCH, which scripts/ci-torch2.sh
// sets, or SER_TORCH2_LIBTORCH) and are skipped, saying so, when none is on the machine.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

interface Found {
  dir: string;
  prefix: string | null;
  from: string;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS script, not a module of lib/
const finder = require('../scripts/find-libtorch.js') as {
  findLibtorch: (env: Record<string, string | undefined>) => Found;
  cmakeDefines: (found: Found) => Record<string, string>;
  cachedTorchDir: (buildDir: string) => string | null;
};

const tmp = (name: string) => fs.mkdtempSync(path.join(os.tmpdir(), `ser-findtorch-${name}-`));

/** A libtorch laid out as a wheel's torch/ folder: share/cmake/Torch + lib/. */
function fakeLibtorch(): string {
  const root = tmp('root');
  fs.mkdirSync(path.join(root, 'share/cmake/Torch'), { recursive: true });
  fs.writeFileSync(path.join(root, 'share/cmake/Torch/TorchConfig.cmake'), '');
  fs.mkdirSync(path.join(root, 'lib'));
  fs.writeFileSync(path.join(root, 'lib/libtorch.so'), '');
  return root;
}

test('LIBTORCH (a libtorch root or the folder holding a wheel\'s torch/) gives Torch_DIR and CMAKE_PREFIX_PATH at its root', () => {
  const root = fakeLibtorch();
  for (const env of [{ LIBTORCH: root }, { Torch_DIR: path.join(root, 'share/cmake/Torch') }]) {
    const found = finder.findLibtorch(env);
    expect(found.prefix).toBe(root);
    expect(finder.cmakeDefines(found)).toEqual({ Torch_DIR: path.join(root, 'share/cmake/Torch'), CMAKE_PREFIX_PATH: root });
  }
  const wheel = tmp('wheel');
  fs.renameSync(root, path.join(wheel, 'torch'));
  expect(finder.findLibtorch({ LIBTORCH: wheel }).prefix).toBe(path.join(wheel, 'torch'));
});

test('a system layout (Debian: <libdir>/cmake/Torch, no <root>/lib/libtorch.so) passes Torch_DIR only', () => {
  const sys = tmp('sys');
  const dir = path.join(sys, 'lib/x86_64-linux-gnu/cmake/Torch');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'TorchConfig.cmake'), '');
  const found = finder.findLibtorch({ Torch_DIR: dir });
  expect(found.prefix).toBeNull();
  expect(finder.cmakeDefines(found)).toEqual({ Torch_DIR: dir });
});

test('the Torch_DIR a build tree was configured with is read back (a switch reconfigures afresh)', () => {
  const build = tmp('build');
  expect(finder.cachedTorchDir(build)).toBeNull();
  fs.writeFileSync(path.join(build, 'CMakeCache.txt'), 'FOO:BOOL=ON\nTorch_DIR:PATH=/opt/x/share/cmake/Torch\n');
  expect(finder.cachedTorchDir(build)).toBe('/opt/x/share/cmake/Torch');
});

test('nothing found: the error lists every place tried', () => {
  const empty = tmp('none');
  // PYTHON is tried first among the interpreters; the real ones may have torch, so only check the list.
  let message = '';
  try {
    finder.findLibtorch({ LIBTORCH: empty, PYTHON: '/nonexistent/python' });
  } catch (e) {
    message = (e as Error).message;
  }
  if (message) {
    expect(message).toContain(`$LIBTORCH: ${path.join(empty, 'share/cmake/Torch')}`);
    expect(message).toContain('Python torch (/nonexistent/python)');
  } else {
    // This machine has a libtorch elsewhere (Debian's): the LIBTORCH candidate was still not taken.
    expect(finder.findLibtorch({ LIBTORCH: empty }).from).not.toBe('$LIBTORCH');
  }
});

// ---- against a real libtorch 2.x ----
const libtorch2 = process.env.SER_TORCH_EXPECT_LIBTORCH || process.env.SER_TORCH2_LIBTORCH || '';
const haveLibtorch2 = !!libtorch2 && fs.existsSync(path.join(libtorch2, 'share/cmake/Torch/TorchConfig.cmake'));
const haveCmake = spawnSync('cmake', ['--version']).status === 0;
const debianTorch = fs.existsSync('/usr/lib/x86_64-linux-gnu/cmake/Torch/TorchConfig.cmake');
if (!haveLibtorch2) {
  console.log('find-libtorch.test: no libtorch 2.x given (SER_TORCH2_LIBTORCH): the CMake selection tests are skipped');
}

/** Configures find_package(Torch) with `defines`; returns the torch libraries CMake selected. */
function torchLibraries(defines: Record<string, string>): string[] {
  const dir = tmp('cmake');
  fs.writeFileSync(path.join(dir, 'CMakeLists.txt'), [
    'cmake_minimum_required(VERSION 3.18)', 'project(p LANGUAGES CXX)', 'find_package(Torch REQUIRED)',
    'file(WRITE ${CMAKE_BINARY_DIR}/libs.txt "${TORCH_LIBRARY};${c10_LIBRARY};${TORCH_LIBRARIES}")', ''].join('\n'));
  const args = ['-S', dir, '-B', path.join(dir, 'b'), ...Object.entries(defines).map(([k, v]) => `-D${k}=${v}`)];
  const r = spawnSync('cmake', args, { encoding: 'utf8', env: { ...process.env, Torch_DIR: '', CMAKE_PREFIX_PATH: '' } });
  if (r.status !== 0) throw new Error(`cmake failed: ${r.stderr}`);
  return fs.readFileSync(path.join(dir, 'b', 'libs.txt'), 'utf8').split(';').filter((l) => l.endsWith('.so'));
}

(haveLibtorch2 && haveCmake ? test : test.skip)('cmakeDefines() links the selected libtorch 2.x only', () => {
  const found = finder.findLibtorch({ LIBTORCH: libtorch2 });
  const libs = torchLibraries(finder.cmakeDefines(found));
  expect(libs.length).toBeGreaterThan(0);
  expect(libs.filter((l) => !l.startsWith(path.join(path.resolve(libtorch2), 'lib')))).toEqual([]);
}, 120000);

(haveLibtorch2 && haveCmake && debianTorch ? test : test.skip)('Torch_DIR alone mixes in Debian\'s libraries (why CMAKE_PREFIX_PATH is passed)', () => {
  const libs = torchLibraries({ Torch_DIR: path.join(libtorch2, 'share/cmake/Torch') });
  expect(libs.some((l) => l.startsWith('/usr/lib/'))).toBe(true);
}, 120000);

(process.env.SER_TORCH_EXPECT_LIBTORCH ? test : test.skip)('the addon runs on the libtorch it was built against', async () => {
  const { info } = await import('../lib');
  expect(info().torchVersion).toMatch(/^2\./);
  const maps = fs.readFileSync('/proc/self/maps', 'utf8').split('\n').filter((l) => /libtorch_cpu\.so|libc10\.so/.test(l));
  const files = [...new Set(maps.map((l) => l.slice(l.indexOf('/'))))];
  expect(files.length).toBeGreaterThan(0);
  expect(files.filter((f) => !f.startsWith(path.resolve(process.env.SER_TORCH_EXPECT_LIBTORCH!)))).toEqual([]);
});
