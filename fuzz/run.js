#!/usr/bin/env node
'use strict';
// The fuzz harness's command line (fuzz/README.md):
//   node fuzz/run.js --target safetensors --seconds 600 --seed 1   a mutation campaign (--target all: each in turn)
//   node fuzz/run.js --regressions [--filter NAME]                the named regression cases of issue 11
//   node fuzz/run.js --replay <saved case folder>                  one saved failure, again
// Exit status 1 when any case failed; failures are saved under --out (default: a temp folder).
const os = require('os');
const path = require('path');

const { campaign, replay } = require('./lib/campaign');
const { runRegressions } = require('./lib/run-regressions');
const { TARGETS } = require('./lib/targets');

function parse(argv) {
  const opts = { target: 'all', seconds: 60, seed: 1, out: path.join(os.tmpdir(), 'ser-fuzz-findings'), parallel: 2, filter: '', maxCases: Infinity };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--target') opts.target = value();
    else if (a === '--seconds') opts.seconds = Number(value());
    else if (a === '--seed') opts.seed = Number(value());
    else if (a === '--cases') opts.maxCases = Number(value());
    else if (a === '--out') opts.out = path.resolve(value());
    else if (a === '--regressions') opts.regressions = true;
    else if (a === '--filter') opts.filter = value();
    else if (a === '--parallel') opts.parallel = Number(value());
    else if (a === '--replay') opts.replay = path.resolve(value());
    else throw new Error(`unknown argument ${a} (see fuzz/README.md)`);
  }
  if (!(opts.seconds > 0) || !Number.isInteger(opts.seed) || opts.seed < 0) throw new Error('--seconds must be > 0 and --seed an integer >= 0');
  if (opts.target !== 'all' && !TARGETS[opts.target]) throw new Error(`--target must be all or one of ${Object.keys(TARGETS).join(', ')}`);
  return opts;
}

async function main() {
  const opts = parse(process.argv.slice(2));
  if (opts.replay) {
    const r = await replay(opts.replay);
    console.log(JSON.stringify(r, null, 1));
    return r.class === 'ok' || r.class === 'typed';
  }
  if (opts.regressions) {
    const { results } = await runRegressions({ parallel: opts.parallel, filter: opts.filter, log: console.log });
    const failed = results.filter((r) => !r.pass).length;
    console.log(`regressions: ${results.length - failed} passed, ${failed} failed`);
    return failed === 0;
  }
  const targets = opts.target === 'all' ? Object.keys(TARGETS) : [opts.target];
  let failed = 0;
  for (const target of targets) {
    const r = await campaign({ target, seconds: opts.seconds, seed: opts.seed, maxCases: opts.maxCases, outDir: opts.out, log: console.log });
    failed += r.failures.length;
    console.log(`${target}: ${r.cases} cases, seed ${opts.seed}: ${JSON.stringify(r.counts)}`);
  }
  if (failed > 0) console.log(`${failed} failing cases saved under ${opts.out}; rerun one with: node fuzz/run.js --replay <folder>`);
  return failed === 0;
}

main().then(
  (ok) => process.exit(ok ? 0 : 1),
  (e) => {
    console.error(`fuzz/run.js: ${e.message}`);
    process.exit(2);
  },
);
