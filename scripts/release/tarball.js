'use strict';
// What the published tarball must hold, and what it must not.
const REQUIRED = [
  'package.json', 'LICENSE', 'README.md', 'CMakeLists.txt',
  'dist/lib/index.js', 'dist/lib/index.d.ts', 'dist/lib/index.mjs', 'dist/lib/index.d.mts', 'dist/lib/cli/main.js',
  'scripts/install.js', 'scripts/build-native.js', 'scripts/find-libtorch.js', 'scripts/check-build-deps.js',
  'binding/napi/addon.cpp',
];
const FORBIDDEN = [
  [/^binding\/tests\//, 'C++ tests'],
  [/\.py$/, 'Python fixture generators'],
  [/(^|\/)setup\.sh$/, 'setup.sh'],
  [/(^|\/)run-tests\.js$/, 'the test runner'],
  [/^scripts\/release/, 'the release check'],
  [/^bench\//, 'benchmarks'],
  [/^test\//, 'tests and fixtures'],
  [/^dist\/(?!lib\/)/, 'compiled non-library code'],
  [/^build\//, 'a build tree'],
  [/\.tmp-/, 'temporary files'],
];

/** Problems with a tarball's file list (paths relative to the package root); [] when fine. */
function tarballProblems(files, prebuild) {
  const have = new Set(files);
  const problems = [];
  for (const f of [...REQUIRED, prebuild]) if (!have.has(f)) problems.push(`missing ${f}`);
  for (const f of files) {
    for (const [re, what] of FORBIDDEN) if (re.test(f)) problems.push(`ships ${f} (${what})`);
  }
  return problems;
}

module.exports = { tarballProblems };
