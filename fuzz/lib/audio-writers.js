'use strict';
// Byte-exact WAV / AU / AIFF writers, so audio seeds and regression cases (a header claiming
// 0, 1 or 2 Hz) are built here without an encoder.

function sine(frames, rate, hz) {
  const out = new Float32Array(frames);
  for (let i = 0; i < frames; i++) out[i] = 0.5 * Math.sin((2 * Math.PI * hz * i) / rate);
  return out;
}

/** Interleaved samples, the mono signal repeated in every channel. */
function interleave(mono, channels) {
  const out = new Float32Array(mono.length * channels);
  for (let i = 0; i < mono.length; i++) for (let c = 0; c < channels; c++) out[i * channels + c] = mono[i];
  return out;
}

function wavFile(mono, rate, channels, kind) {
  const s = interleave(mono, channels);
  const width = kind === 'float' ? 4 : 2;
  const data = Buffer.alloc(s.length * width);
  s.forEach((v, i) => (kind === 'float' ? data.writeFloatLE(v, i * 4) : data.writeInt16LE(Math.round(v * 32767), i * 2)));
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(kind === 'float' ? 3 : 1, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(rate >>> 0, 24);
  h.writeUInt32LE((rate * channels * width) >>> 0, 28);
  h.writeUInt16LE(channels * width, 32);
  h.writeUInt16LE(width * 8, 34);
  h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

function pcm16BE(mono) {
  const data = Buffer.alloc(mono.length * 2);
  mono.forEach((v, i) => data.writeInt16BE(Math.round(v * 32767), i * 2));
  return data;
}

/** Sun .au: 24-byte big-endian header, encoding 3 (16-bit linear PCM). */
function auFile(mono, rate) {
  const data = pcm16BE(mono);
  const h = Buffer.alloc(24);
  h.write('.snd', 0);
  h.writeUInt32BE(24, 4);
  h.writeUInt32BE(data.length, 8);
  h.writeUInt32BE(3, 12);
  h.writeUInt32BE(rate >>> 0, 16);
  h.writeUInt32BE(1, 20);
  return Buffer.concat([h, data]);
}

/** The 80-bit IEEE extended float AIFF stores its sample rate in. */
function extended80(value) {
  const out = Buffer.alloc(10);
  if (value === 0) return out;
  let exponent = Math.floor(Math.log2(value));
  let mantissa = value / 2 ** exponent;
  if (mantissa >= 2) {
    mantissa /= 2;
    exponent += 1;
  }
  out.writeUInt16BE(exponent + 16383, 0);
  const hi = Math.floor(mantissa * 2 ** 31);
  const lo = Math.floor((mantissa * 2 ** 31 - hi) * 2 ** 32);
  out.writeUInt32BE(hi >>> 0, 2);
  out.writeUInt32BE(lo >>> 0, 6);
  return out;
}

function aiffFile(mono, rate) {
  const data = pcm16BE(mono);
  const comm = Buffer.alloc(26);
  comm.write('COMM', 0);
  comm.writeUInt32BE(18, 4);
  comm.writeUInt16BE(1, 8);
  comm.writeUInt32BE(mono.length, 10);
  comm.writeUInt16BE(16, 14);
  extended80(rate).copy(comm, 16);
  const ssnd = Buffer.alloc(16);
  ssnd.write('SSND', 0);
  ssnd.writeUInt32BE(8 + data.length, 4);
  const form = Buffer.alloc(12);
  form.write('FORM', 0);
  form.writeUInt32BE(4 + comm.length + ssnd.length + data.length, 4);
  form.write('AIFF', 8);
  return Buffer.concat([form, comm, ssnd, data]);
}

module.exports = { sine, wavFile, auFile, aiffFile };
