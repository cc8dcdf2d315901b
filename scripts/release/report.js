'use strict';
// Records named checks of the release check and prints one PASS/FAIL summary.
const results = [];

function say(line) {
  process.stderr.write(`release-check: ${line}\n`);
}

/** Runs fn (sync or async); a throw is a failure whose message is shown. Returns fn's value or null. */
async function check(name, fn) {
  const started = Date.now();
  try {
    const value = await fn();
    results.push({ name, ok: true });
    say(`PASS ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return value;
  } catch (e) {
    results.push({ name, ok: false, why: e && e.message ? e.message : String(e) });
    say(`FAIL ${name}: ${e && e.message ? e.message : e}`);
    return null;
  }
}

/** Prints the summary; true when every check passed (and at least one ran). */
function summary() {
  const failed = results.filter((r) => !r.ok);
  console.log('\nrelease check summary:');
  for (const r of results) console.log(`  ${r.ok ? 'PASS' : 'FAIL'}  ${r.name}${r.ok ? '' : `: ${r.why.split('\n')[0]}`}`);
  const ok = failed.length === 0 && results.length > 0;
  // run-tests.js reads this line.
  console.log(`release check: ${results.length - failed.length} passed, ${failed.length} failed`);
  console.log(ok ? 'RELEASE CHECK PASS' : 'RELEASE CHECK FAIL');
  return ok;
}

module.exports = { check, summary, say };
