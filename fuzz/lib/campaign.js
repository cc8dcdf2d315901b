'use strict';
// A mutation campaign on one target: mutants drawn from the seeds with a seeded rng, run in
// sequence in one child (restarted after a crash or hang), failures copied to outDir with their
// seed and case number so `node fuzz/run.js --replay <case folder>` runs them again.
const fs = require('fs');
const os = require('os');
const path = require('path');

const { mutate } = require('./mutate');
const { mutateCall } = require('./api-calls');
const { rng } = require('./rng');
const { TARGETS } = require('./targets');
const { FuzzChild } = require('./pool');
const { PASSING } = require('./outcome');

/** A target's timeout per case: training calls may run (then abort at 8 s); the rest must be quick. */
const CASE_TIMEOUT_MS = { api: 30_000, manifest: 30_000 };
const timeoutOf = (target) => CASE_TIMEOUT_MS[target] || 20_000;

/** The bytes of mutant number `index` of a campaign (same seed, same bytes). */
function mutantOf(target, seeds, seed, index) {
  const r = rng((seed * 1_000_003 + index * 7919) >>> 0);
  const def = TARGETS[target];
  const s = r.pick(seeds);
  const bytes = fs.readFileSync(s.file);
  if (def.shape === 'call') return { seedFile: s, bytes: Buffer.from(JSON.stringify(mutateCall(JSON.parse(bytes.toString('utf8')), r), null, 1)) };
  const shape = def.shape === 'manifest' ? (s.file.endsWith('.jsonl') ? 'jsonl' : 'csv') : def.shape;
  const other = fs.readFileSync(r.pick(seeds).file);
  return { seedFile: s, bytes: mutate(bytes, r, shape, other) };
}

/**
 * Runs mutants of `target` for `seconds` (or `maxCases`), starting at case `first`.
 * Returns { cases, counts: {class: n}, failures: [{ index, class, detail, saved }] }.
 */
async function campaign({ target, seconds, seed, maxCases = Infinity, first = 0, outDir, log = () => {} }) {
  const def = TARGETS[target];
  if (!def) throw new Error(`unknown target '${target}' (one of ${Object.keys(TARGETS).join(', ')})`);
  const seeds = def.seeds().filter((s) => fs.existsSync(s.file));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `ser-fuzz-${target}-`));
  const deadline = Date.now() + seconds * 1000;
  const counts = {};
  const failures = [];
  let child = null;
  let index = first;
  try {
    for (; index < first + maxCases && Date.now() < deadline; index++) {
      if (!child || !child.alive) {
        child = new FuzzChild();
        await child.start();
      }
      const { seedFile, bytes } = mutantOf(target, seeds, seed, index);
      const caseDir = path.join(work, `case-${index}`);
      const input = def.materialise(caseDir, seedFile, bytes);
      const result = await child.run({ id: index, target, input }, timeoutOf(target));
      counts[result.class] = (counts[result.class] || 0) + 1;
      if (PASSING.has(result.class)) {
        fs.rmSync(caseDir, { recursive: true, force: true });
        continue;
      }
      const saved = path.join(outDir, `${target}-seed${seed}-case${index}`);
      fs.mkdirSync(outDir, { recursive: true });
      fs.cpSync(caseDir, saved, { recursive: true });
      fs.writeFileSync(path.join(saved, 'finding.json'), JSON.stringify({ target, seed, index, seedFile: seedFile.file, input: path.relative(caseDir, input), ...result, stderr: child.stderr.slice(-2000) }, null, 1));
      failures.push({ index, ...result, saved });
      log(`FAIL ${target} seed ${seed} case ${index}: ${result.class}: ${result.detail || ''}\n  input: ${saved} (from ${seedFile.file})`);
    }
  } finally {
    if (child) await child.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
  return { cases: index - first, counts, failures };
}

/** Runs one saved case (a folder written by campaign) in a fresh child. */
async function replay(savedDir) {
  const finding = JSON.parse(fs.readFileSync(path.join(savedDir, 'finding.json'), 'utf8'));
  const child = new FuzzChild();
  await child.start();
  const result = await child.run({ id: 0, target: finding.target, input: path.join(savedDir, finding.input) }, timeoutOf(finding.target));
  await child.close();
  return { ...result, stderr: child.stderr };
}

module.exports = { campaign, replay, mutantOf, timeoutOf };
