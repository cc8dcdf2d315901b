'use strict';
// Outcome classes. Passing: 'ok' (a result, all numbers finite) and 'typed' (an exported
// ser-torch error with its code). Failing: 'untyped' (TypeError, RangeError, a plain Error ...),
// 'misfiled' (LibtorchError for a bad file or argument that is not out of memory), 'unbounded'
// (out of memory asking for more than 64 GiB: a size from the input was never bounded), 'nan'
// (a result holding NaN or infinity), and, seen by the parent, 'crash', 'hang', 'unusable'.

const SER_CODES = new Set(['ERR_CONFIG', 'ERR_CHECKPOINT', 'ERR_AUDIO', 'ERR_INPUT', 'ERR_DEVICE', 'ERR_LIBTORCH', 'ERR_NO_HEAD',
  'ERR_DISPOSED', 'ERR_IO', 'ERR_ABORTED', 'ERR_DIVERGED', 'ERR_BUSY']);
const PASSING = new Set(['ok', 'typed']);
/** 64 GiB: no model or input of these tests needs that much; asking for it means a size went unchecked. */
const UNBOUNDED_BYTES = 64 * 2 ** 30;

/** Errors the fuzz inputs throw themselves (a getter or proxy that throws): passing them on is right. */
const CALLER_ERROR = 'fuzz: thrown by the caller';

/** Every number inside a result (a prediction, embedding, report), for the NaN check. */
function* numbers(value, depth = 0) {
  if (depth > 8 || value === null || value === undefined) return;
  if (typeof value === 'number') yield value;
  else if (ArrayBuffer.isView(value)) yield* value;
  else if (Array.isArray(value)) for (const v of value) yield* numbers(v, depth + 1);
  else if (typeof value === 'object') for (const v of Object.values(value)) yield* numbers(v, depth + 1);
}

/** `result` is what runCase returned: { value, checkFinite } ; `error` what it threw. */
function outcomeOf(target, result, error) {
  if (error === null || error === undefined) {
    if (result.checkFinite) for (const v of numbers(result.value)) if (!Number.isFinite(v)) return { class: 'nan', detail: `a result holds ${v}` };
    return { class: 'ok' };
  }
  const e = error;
  const message = String(e && e.message).slice(0, 400);
  if (message.includes(CALLER_ERROR)) return { class: 'typed', code: 'CALLER' };
  if (!(e instanceof Error) || !SER_CODES.has(e.code) || e.constructor.name === 'Error') {
    return { class: 'untyped', detail: `${e && e.constructor ? e.constructor.name : typeof e}: ${message}` };
  }
  // Out of memory for a request no input justifies (libtorch names the bytes): a size taken from
  // the input unbounded. A model that merely does not fit the 4 GB limit asks for far less.
  const asked = /allocate (\d+) bytes/.exec(message);
  if (e.code === 'ERR_LIBTORCH' && asked && Number(asked[1]) > UNBOUNDED_BYTES) {
    return { class: 'unbounded', code: e.code, detail: `an allocation of ${(Number(asked[1]) / 2 ** 30).toFixed(0)} GiB was attempted: ${message}` };
  }
  if (e.code === 'ERR_LIBTORCH' && !/out of memory|alloc|memory/i.test(message)) {
    return { class: 'misfiled', code: e.code, detail: `LibtorchError for a bad ${target} input: ${message}` };
  }
  return { class: 'typed', code: e.code, detail: message };
}

module.exports = { outcomeOf, PASSING, CALLER_ERROR };
