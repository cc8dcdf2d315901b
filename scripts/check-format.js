#!/usr/bin/env node
'use strict';
// Checks that every C++ file under binding/ is formatted as .clang-format says, and names the files
// that are not. `--fix` rewrites them in place instead.
// Uses clang-format 14 (Debian 12's `clang-format` package): other major versions may format some
// constructs differently, so a version other than 14 is reported. CLANG_FORMAT picks the binary
// (e.g. CLANG_FORMAT=clang-format-14).
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const binary = process.env.CLANG_FORMAT || 'clang-format';
const EXPECTED_MAJOR = 14;

function cppFiles(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...cppFiles(full));
    else if (entry.isFile() && /\.(h|cpp)$/.test(entry.name)) out.push(path.relative(root, full));
  }
  return out.sort();
}

function run(args) {
  // Files are passed in chunks so that no command line grows past the system's limit.
  const results = [];
  const files = args.files;
  for (let i = 0; i < files.length; i += 200) {
    results.push(spawnSync(binary, [...args.flags, ...files.slice(i, i + 200)], { cwd: root, encoding: 'utf8' }));
  }
  return results;
}

function main() {
  const fix = process.argv.includes('--fix');
  const version = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  if (version.error) {
    console.error(`check-format: ${binary} was not found (${version.error.code}). Install it with ` +
      '`apt-get install clang-format` (Debian 12: clang-format 14), or set CLANG_FORMAT to its path.');
    return 2;
  }
  const major = Number((/version (\d+)\./.exec(version.stdout) || [])[1]);
  if (major !== EXPECTED_MAJOR) {
    console.error(`check-format: note: ${version.stdout.trim()}; the code is formatted with clang-format ` +
      `${EXPECTED_MAJOR}, another version may disagree on some lines.`);
  }

  const files = cppFiles(path.join(root, 'binding'));
  if (files.length === 0) {
    console.error('check-format: no C++ files found under binding/');
    return 2;
  }
  const flags = fix ? ['-i', '--style=file'] : ['--dry-run', '--Werror', '--style=file'];
  const bad = new Set();
  for (const r of run({ flags, files })) {
    if (r.error) throw r.error;
    // Each violation is reported as "<file>:<line>:<col>: error: code should be clang-formatted".
    for (const m of r.stderr.matchAll(/^(.+?):\d+:\d+: (?:error|warning): code should be clang-formatted/gm)) {
      bad.add(path.relative(root, path.resolve(root, m[1])));
    }
    if (r.status !== 0 && bad.size === 0) {
      process.stderr.write(r.stderr);
      console.error(`check-format: ${binary} failed (exit ${r.status})`);
      return 2;
    }
  }
  if (fix) {
    console.log(`check-format: formatted ${files.length} files under binding/`);
    return 0;
  }
  if (bad.size > 0) {
    console.error(`check-format: ${bad.size} of ${files.length} C++ files are not formatted as .clang-format says:`);
    for (const f of [...bad].sort()) console.error(`  ${f}`);
    console.error('Run `node scripts/check-format.js --fix` (or `clang-format -i <file>`) and review the diff.');
    return 1;
  }
  console.log(`check-format: ${files.length} C++ files under binding/ are formatted`);
  return 0;
}

process.exitCode = main();
