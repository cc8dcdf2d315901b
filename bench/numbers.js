'use strict';
// Argument, statistics and report helpers shared by the benchmark scripts.

function positiveInt(s, name) {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${s}`);
  return n;
}

function nonNegativeInt(s, name) {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got ${s}`);
  return n;
}

function positiveNumber(s, name) {
  const n = Number(s);
  if (!(n > 0)) throw new Error(`${name} must be a positive number, got ${s}`);
  return n;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** ser.info()'s CPU in one line: what bf16 and int8 run on, the flags it reports present, ATen's kernels. */
function cpuLine(info) {
  const cpu = info.cpu;
  if (!cpu || typeof cpu !== 'object') return `cpu: ${cpu ?? '-'}`;
  const flags = Object.keys(cpu).filter((k) => cpu[k] === true && k !== 'bf16').join(' ');
  const paths = [cpu.bf16 !== undefined ? `bf16 ${cpu.bf16 ? 'native' : 'not native'}` : null,
    cpu.int8 !== undefined ? `int8 ${cpu.int8}` : null].filter(Boolean).join(', ');
  return `cpu: ${cpu.model || '?'}: ${paths}${flags ? `; ${flags}` : ''}` +
    `${info.cpuCapability ? ` (ATen ${info.cpuCapability})` : ''}`;
}

/** mulberry32: a small seeded generator of floats in [0, 1), so generated inputs are the same on every machine. */
function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

module.exports = { positiveInt, nonNegativeInt, positiveNumber, median, cpuLine, seededRandom };
