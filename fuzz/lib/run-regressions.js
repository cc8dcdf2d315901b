'use strict';
// Runs the named regression cases, each in a fresh child under the address-space limit, a few
// at a time; plus the exit-during-training check (its own script: process.exit() while train runs).
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const { REGRESSIONS } = require('./regressions');
const { FuzzChild, DEFAULT_LIMIT_KB } = require('./pool');
const { timeoutOf } = require('./campaign');
const { PASSING } = require('./outcome');
const { corpusDir } = require('./targets');

/** Whether a result meets the case's expectation: 'ok', 'any' passing class, or a typed error's code. */
function meets(expect, result) {
  if (expect === 'any') return PASSING.has(result.class);
  if (expect === 'ok') return result.class === 'ok';
  return result.class === 'typed' && result.code === expect;
}

async function runOne(reg, work) {
  const caseDir = path.join(work, reg.name);
  const input = reg.build(caseDir);
  const child = new FuzzChild();
  await child.start();
  const result = await child.run({ id: reg.name, target: reg.target, input }, reg.timeoutMs || timeoutOf(reg.target));
  const exit = await child.close();
  let pass = meets(reg.expect, result);
  let detail = `${result.class}${result.code ? ` ${result.code}` : ''}${result.detail ? `: ${result.detail}` : ''}`;
  if (pass && exit && exit.hung) {
    pass = false;
    detail += '; the process did not exit after its last call';
  }
  if (pass && reg.quietStderr && child.stderr.trim() !== '') {
    pass = false;
    detail += `; stderr got: ${child.stderr.trim().slice(0, 300)}`;
  }
  return { name: reg.name, pass, detail, input };
}

/** process.exit() while train() runs must end with that status, not a signal (issue 11). */
function exitDuringTrain(work) {
  const out = path.join(work, 'exit-during-train');
  const manifest = path.join(corpusDir, 'manifest', 'rows.csv');
  const script = `
    require(${JSON.stringify(path.join(__dirname, 'ts-cache.js'))});
    const { train } = require(${JSON.stringify(path.join(__dirname, '..', '..', 'lib', 'index.ts'))});
    const run = train({ model: ${JSON.stringify(path.join(corpusDir, 'model', 'tiny'))}, train: ${JSON.stringify(manifest)},
      dev: ${JSON.stringify(manifest)}, outDir: ${JSON.stringify(out)}, epochs: 1000, batchSize: 2, maxClipSeconds: 0,
      onEvent: (e) => { if (e.type === 'step' && e.step === 2) process.exit(7); } });
    run.catch((e) => { console.error(e); process.exit(9); });
  `;
  return new Promise((resolve) => {
    const p = spawn('bash', ['-c', `ulimit -v ${DEFAULT_LIMIT_KB} && exec "${process.execPath}" -e "$0"`, script], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), 90_000);
    p.on('exit', (code, signal) => {
      clearTimeout(timer);
      const pass = code === 7 && signal === null;
      resolve({ name: 'exit-during-train', pass, detail: `exit status ${code}, signal ${signal}${stderr ? `; stderr: ${stderr.slice(-300)}` : ''}`, input: out });
    });
  });
}

/**
 * Runs every regression (or those whose name contains `filter`), `parallel` at a time; `ci`
 * leaves out the few marked too slow for the CI slice.
 */
async function runRegressions({ parallel = 2, filter = '', ci = false, log = () => {} } = {}) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ser-fuzz-regress-'));
  const queue = REGRESSIONS.filter((r) => r.name.includes(filter) && !(ci && r.ci === false));
  const results = [];
  const worker = async () => {
    for (let reg = queue.shift(); reg; reg = queue.shift()) {
      const r = await runOne(reg, work);
      log(`${r.pass ? 'ok  ' : 'FAIL'} ${r.name}: ${r.detail}${r.pass ? '' : `\n     input: ${r.input}`}`);
      results.push(r);
    }
  };
  const runs = [];
  for (let i = 0; i < parallel; i++) runs.push(worker());
  if ('exit-during-train'.includes(filter)) {
    const r = await exitDuringTrain(work);
    log(`${r.pass ? 'ok  ' : 'FAIL'} ${r.name}: ${r.detail}`);
    results.push(r);
  }
  await Promise.all(runs);
  return { results, work };
}

module.exports = { runRegressions };
