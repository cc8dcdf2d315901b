'use strict';
// Runs every benchmark in turn (`npm run bench`). Each is a plain script that prints its own
// report; add new ones to SCRIPTS. Arguments after `--` go to every script.
const { spawnSync } = require('child_process');
const path = require('path');

const SCRIPTS = ['predict.js', 'train-step.js'];

let failed = 0;
for (const script of SCRIPTS) {
  console.log(`\n=== bench/${script} ===`);
  const r = spawnSync(process.execPath, [path.join(__dirname, script), ...process.argv.slice(2)], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`bench/${script} failed (${r.error ? r.error.message : r.status ?? r.signal})`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
