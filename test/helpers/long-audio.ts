// Audio files for the long-recording tests, written by hand (32-bit float or 16-bit PCM WAV), and
// test signals: noise with a slow swell, so that windows differ from each other.
import * as fs from 'fs';

/** Deterministic noise in [-0.5, 0.5] with an amplitude swell; `offset` continues a longer signal. */
export function testSignal(count: number, seed = 1, offset = 0): Float32Array {
  const out = new Float32Array(count);
  let x = (seed * 2654435761) >>> 0;
  for (let i = 0; i < count; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    const noise = x / 4294967296 - 0.5;
    out[i] = noise * (0.3 + 0.7 * Math.abs(Math.sin((offset + i) * 1e-4)));
  }
  return out;
}

function header(dataBytes: number, rate: number, channels: number, pcm16: boolean): Buffer {
  const width = pcm16 ? 2 : 4;
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVEfmt ', 8, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(pcm16 ? 1 : 3, 20); // PCM or IEEE float
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * channels * width, 28);
  h.writeUInt16LE(channels * width, 32);
  h.writeUInt16LE(8 * width, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

function pcm16Bytes(samples: Float32Array): Buffer {
  const pcm = new Int16Array(samples.length); // little-endian, as the machines this runs on
  for (let i = 0; i < samples.length; i++) pcm[i] = Math.round(Math.max(-1, Math.min(32767 / 32768, samples[i])) * 32768);
  return Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
}

/** A WAV of interleaved samples (frames x channels): float32, or 16-bit PCM. */
export function writeWav(file: string, interleaved: Float32Array, rate: number, { channels = 1, pcm16 = false } = {}): void {
  const data = pcm16 ? pcm16Bytes(interleaved) : Buffer.from(interleaved.buffer, interleaved.byteOffset, interleaved.byteLength);
  fs.writeFileSync(file, Buffer.concat([header(data.length, rate, channels, pcm16), data]));
}

/** A long mono 16-bit WAV written a second at a time (never held whole). */
export function writeLongWav(file: string, seconds: number, rate = 16000): void {
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, header(seconds * rate * 2, rate, 1, true));
    for (let s = 0; s < seconds; s++) fs.writeSync(fd, pcm16Bytes(testSignal(rate, 1, s * rate)));
  } finally {
    fs.closeSync(fd);
  }
}
