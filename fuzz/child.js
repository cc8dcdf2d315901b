'use strict';
// A fuzz child: loads ser-torch from source and a good model, then runs the cases the parent sends
// (one JSON line each on stdin) and answers one line each on stdout ("@@fuzz {...}"). After every
// case that does not succeed it predicts with the good model again: the process must stay usable.
// The parent runs it under `ulimit -v` and a timeout; a crash or hang is seen there.
require('./lib/ts-cache');
const readline = require('readline');

const ser = require('../lib/index.ts');
const { runCase } = require('./lib/run-case');
const { outcomeOf } = require('./lib/outcome');
const { corpusDir } = require('./lib/targets');
const path = require('path');

const goodDir = path.join(corpusDir, 'model', 'tiny');
const probeInput = () => [new Float32Array(16000).map((_, i) => 0.3 * Math.sin(i / 10))];

function send(result) {
  process.stdout.write(`@@fuzz ${JSON.stringify(result)}\n`);
}

async function usable(ctx) {
  try {
    const [p] = await ctx.model.predict(probeInput());
    const [v] = await ctx.model.embed(probeInput());
    return Object.values(p).every(Number.isFinite) && v.every(Number.isFinite) ? null : 'the good model gave a non-finite value';
  } catch (e) {
    return `the good model failed: ${e && e.name}: ${e && e.message}`;
  }
}

async function main() {
  const ctx = { ser, model: await ser.loadModel(goodDir), goodDir };
  send({ ready: true });
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const { id, target, input } = JSON.parse(line);
    let outcome;
    try {
      outcome = outcomeOf(target, await runCase(ctx, target, input), null);
    } catch (e) {
      outcome = outcomeOf(target, null, e);
    }
    if (outcome.class !== 'ok') {
      const broken = await usable(ctx);
      if (broken) outcome = { class: 'unusable', detail: `${broken} (after: ${outcome.detail || outcome.code})` };
    }
    send({ id, ...outcome });
  }
  ctx.model.dispose();
}

main().catch((e) => {
  send({ fatal: `${e && e.stack}` });
  process.exit(3);
});
