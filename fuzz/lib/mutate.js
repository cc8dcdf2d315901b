'use strict';
// The deterministic mutator: byte-level edits (bit flips, inserts, deletes, splices, boundary
// integers) and, for JSON text, structure-aware edits (a value replaced by a hostile one, deep
// nesting, duplicate keys). Everything is drawn from the caller's seeded rng.

/** Integers at the edges of every width a header field may have. */
const BOUNDARY_U32 = [0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff];
const BOUNDARY_U64 = [0n, 1n, 7n, 8n, 0x7fffffffn, 0xffffffffn, 0x100000000n, 0x7fffffffffffffffn, 0xffffffffffffffffn];

/** JSON values that have broken readers before (issue 11) or sit on a bound. */
const HOSTILE_JSON = [
  '0', '-1', '1e9', '1e308', '-1e308', '4294967296', '9007199254740993', '18446744073709551616', '0.5', '-0.0',
  'null', 'true', '""', '"x"', '[]', '{}', '[0]', '[-1, -1]', '[1e9, 1e9]', '[18446744073709551615, 0]',
  '"\\u0000"', '"\\ud800"', `"${'A'.repeat(4096)}"`, '[[[[[[[[[[1]]]]]]]]]]',
];

const nested = (depth) => '['.repeat(depth) + ']'.repeat(depth);

function bitFlip(b, r) {
  if (b.length === 0) return b;
  const out = Buffer.from(b);
  const n = 1 + r.int(4);
  for (let i = 0; i < n; i++) out[r.int(out.length)] ^= 1 << r.int(8);
  return out;
}

function byteInsert(b, r) {
  const at = r.int(b.length + 1);
  const len = 1 + r.int(r.chance(0.8) ? 4 : 256);
  const fill = Buffer.alloc(len, r.pick([0x00, 0xff, 0x7f, 0x80, 0x41, r.int(256)]));
  return Buffer.concat([b.subarray(0, at), fill, b.subarray(at)]);
}

function byteDelete(b, r) {
  if (b.length < 2) return b;
  const at = r.int(b.length);
  const len = 1 + r.int(Math.min(r.chance(0.8) ? 8 : 512, b.length - at));
  return Buffer.concat([b.subarray(0, at), b.subarray(at + len)]);
}

/** Copies a slice of the input (or of another seed) over or into another place. */
function splice(b, r, { other }) {
  const src = other && other.length > 0 && r.chance(0.5) ? other : b;
  if (src.length === 0) return b;
  const from = r.int(src.length);
  const len = 1 + r.int(Math.min(64, src.length - from));
  const at = r.int(b.length + 1);
  const piece = src.subarray(from, from + len);
  return r.chance(0.5)
    ? Buffer.concat([b.subarray(0, at), piece, b.subarray(at)])
    : Buffer.concat([b.subarray(0, at), piece, b.subarray(Math.min(b.length, at + len))]);
}

/** Writes a boundary integer over 2, 4 or 8 bytes at a random (or header-biased) offset. */
function boundaryInt(b, r, { headerEnd }) {
  if (b.length < 8) return b;
  const out = Buffer.from(b);
  const limit = headerEnd && r.chance(0.8) ? Math.min(headerEnd, out.length) : out.length;
  const width = r.pick([2, 4, 8]);
  const at = r.int(Math.max(1, limit - width + 1));
  if (at + width > out.length) return out;
  if (width === 8) out.writeBigUInt64LE(r.pick(BOUNDARY_U64), at);
  else if (width === 4) (r.chance(0.5) ? out.writeUInt32LE : out.writeUInt32BE).call(out, r.pick(BOUNDARY_U32), at);
  else out.writeUInt16LE(r.pick(BOUNDARY_U32) & 0xffff, at);
  return out;
}

/** Truncates or extends (with zeros or garbage) the end of the input. */
function resize(b, r) {
  if (r.chance(0.5)) return b.subarray(0, r.int(b.length + 1));
  return Buffer.concat([b, Buffer.alloc(1 + r.int(64), r.int(256))]);
}

const BYTE_MUTATORS = { bitFlip, byteInsert, byteDelete, splice, boundaryInt, resize };

/** Spans of JSON scalar values (numbers, strings, literals) and of arrays, for structure-aware edits. */
function jsonValueSpans(text) {
  const spans = [];
  const re = /"(?:[^"\\]|\\.)*"\s*:|"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null|\[[^[\]{}]*\]/g;
  let m;
  while ((m = re.exec(text)) !== null) if (!m[0].endsWith(':')) spans.push([m.index, m.index + m[0].length]);
  return spans;
}

/** A JSON-aware edit of text: a value replaced, nesting deepened, a key repeated, a brace dropped. */
function mutateJsonText(text, r) {
  const spans = jsonValueSpans(text);
  const kind = r.int(5);
  if (spans.length === 0 || kind === 4) {
    const at = r.int(text.length + 1);
    return text.slice(0, at) + r.pick(['{', '}', '[', ']', ',', ':', '"', '\\', '\u0000', '\ufeff']) + text.slice(at);
  }
  const [s, e] = r.pick(spans);
  if (kind === 0) return text.slice(0, s) + r.pick(HOSTILE_JSON) + text.slice(e);
  if (kind === 1) {
    const depth = r.pick([65, 1000, 200000]);
    return text.slice(0, s) + '['.repeat(depth) + text.slice(s, e) + ']'.repeat(depth) + text.slice(e);
  }
  if (kind === 2) {
    // A key repeated: the member before this value, written twice.
    const key = /"((?:[^"\\]|\\.)*)"\s*:\s*$/.exec(text.slice(0, s));
    if (key) return text.slice(0, e) + `, "${key[1]}": ${r.pick(HOSTILE_JSON)}` + text.slice(e);
  }
  // kind 3: a number nudged across a bound.
  const v = Number(text.slice(s, e));
  if (Number.isFinite(v)) return text.slice(0, s) + String(r.pick([v + 1, v - 1, -v, v * 1000, v * 2 ** 32, 0])) + text.slice(e);
  return text.slice(0, s) + r.pick(HOSTILE_JSON) + text.slice(e);
}

/**
 * One mutant of `seed`. `shape` says what the bytes are: 'json' (whole file is JSON text),
 * 'jsonl', 'csv', 'safetensors' (8-byte length + JSON header + data) or 'binary'.
 */
function mutate(seed, r, shape, other) {
  const rounds = 1 + r.int(3);
  let b = seed;
  for (let i = 0; i < rounds; i++) {
    if ((shape === 'json' || shape === 'jsonl') && r.chance(0.6)) {
      b = Buffer.from(mutateJsonText(b.toString('latin1'), r), 'latin1');
    } else if (shape === 'safetensors' && b.length >= 8 && r.chance(0.6)) {
      b = mutateSafetensors(b, r);
    } else if (shape === 'csv' && r.chance(0.5)) {
      b = Buffer.from(mutateCsv(b.toString('latin1'), r), 'latin1');
    } else {
      const name = r.pick(Object.keys(BYTE_MUTATORS));
      b = BYTE_MUTATORS[name](b, r, { other, headerEnd: shape === 'safetensors' ? headerEnd(b) : 512 });
    }
  }
  return b;
}

function headerEnd(b) {
  if (b.length < 8) return b.length;
  const n = b.readBigUInt64LE(0);
  return n < BigInt(b.length) ? 8 + Number(n) : b.length;
}

/** Edits the header JSON (re-writing the length field, or not) or the length field itself. */
function mutateSafetensors(b, r) {
  const end = headerEnd(b);
  const header = b.subarray(8, end).toString('latin1');
  const data = b.subarray(end);
  if (r.chance(0.25)) {
    const out = Buffer.from(b);
    const delta = r.pick([-1n, 1n, -8n, 8n, BigInt(data.length), -BigInt(end - 8)]);
    const next = r.chance(0.3) ? r.pick(BOUNDARY_U64) : b.readBigUInt64LE(0) + delta;
    out.writeBigUInt64LE(BigInt.asUintN(64, next), 0);
    return out;
  }
  const text = Buffer.from(mutateJsonText(header, r), 'latin1');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(text.length + (r.chance(0.9) ? 0 : r.pick([-1, 1]))));
  return Buffer.concat([len, text, data]);
}

/** Edits a CSV manifest: a cell replaced, a column repeated, line ends changed, quotes unbalanced. */
function mutateCsv(text, r) {
  const lines = text.split(/\r?\n/);
  const i = r.int(lines.length);
  const cells = lines[i].split(',');
  const j = r.int(cells.length);
  switch (r.int(6)) {
    case 0: cells[j] = r.pick(['', 'nan', 'inf', '-1e308', '1e308', '"', '""', '../../etc/passwd', '/dev/zero', 'a\u0000b', 'x'.repeat(5000)]); break;
    case 1: cells.push(cells[j]); break;
    case 2: return '\ufeff' + text;
    case 3: return text.replace(/\n/g, '\r');
    case 4: lines.splice(i, 0, lines[i]); return lines.join('\n');
    default: cells.splice(j, 1);
  }
  lines[i] = cells.join(',');
  return lines.join('\n');
}

module.exports = { mutate, mutateJsonText, nested, BOUNDARY_U32, BOUNDARY_U64, HOSTILE_JSON };
