// Seeded pseudo-random numbers for the bootstrap: the same seed and key give the same draws on
// every machine and in every order (a speaker's interval does not move when another is added).

/** FNV-1a of a string, mixed with a seed: a 32-bit stream id. */
function streamId(seed: number, key: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: a small, fast generator with a full 2^32 period; floats in [0, 1). */
export function seededRandom(seed: number, key = ''): () => number {
  let state = streamId(seed, key);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
