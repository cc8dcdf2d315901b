// Reads F32 safetensors files in tests (to compare saved weights with references).
import * as fs from 'fs';

/** A header entry (`__metadata__` has another shape and is skipped). */
interface Entry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

export function readSafetensors(file: string): Map<string, { shape: number[]; data: Float32Array }> {
  const bytes = fs.readFileSync(file);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, Entry>;
  const base = 8 + headerLength;
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (entry.dtype !== 'F32') throw new Error(`${name}: dtype ${entry.dtype}`);
    const [begin, end] = entry.data_offsets;
    const copy = Buffer.from(bytes.subarray(base + begin, base + end));
    out.set(name, { shape: entry.shape, data: new Float32Array(copy.buffer, copy.byteOffset, (end - begin) / 4) });
  }
  return out;
}
