// A corpus run works through its input in windows of consecutive files: each window is sorted
// into batches of similar length (paddedBatches), and its records are written in input order
// once it is done. Windows are cut from the whole input, done or not, so a resumed
// run batches the remaining files exactly as an uninterrupted run would have.

/** Batches per window: enough files for the sort by length to keep the padding small. */
export const BATCHES_PER_WINDOW = 8;
/** Audio per window: bounds the decoded audio held (two windows: one running, the next decoding). */
export const MAX_WINDOW_SECONDS = 600;

/** [start, end) index ranges over the input, in order. */
export function planWindows(seconds: readonly number[], batchSize: number): Array<[number, number]> {
  const maxFiles = batchSize * BATCHES_PER_WINDOW;
  const windows: Array<[number, number]> = [];
  for (let start = 0; start < seconds.length; ) {
    let end = start;
    let audio = 0;
    while (end < seconds.length && end - start < maxFiles && (end === start || audio + seconds[end] <= MAX_WINDOW_SECONDS)) {
      audio += seconds[end];
      end++;
    }
    windows.push([start, end]);
    start = end;
  }
  return windows;
}

/**
 * The most a batch may pad, as a share of its padded length: padded frames cost as much as real
 * ones (plain batches of 8 from a sorted window padded 30 % on 1-20 s clips); similar lengths
 * still batch, which a GPU needs.
 */
export const MAX_PADDING_SHARE = 0.1;

/** Index groups of at most batchSize, each in ascending length, padding at most MAX_PADDING_SHARE. */
export function paddedBatches(lengths: readonly number[], batchSize: number): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a] - lengths[b] || a - b);
  const batches: number[][] = [];
  let batch: number[] = [];
  let sum = 0;
  for (const i of order) {
    const n = lengths[i];
    // Ascending: the new clip is the longest, so the padded length would be (size + 1) * n.
    if (batch.length > 0 && (batch.length >= batchSize || (batch.length + 1) * n * (1 - MAX_PADDING_SHARE) > sum + n)) {
      batches.push(batch);
      batch = [];
      sum = 0;
    }
    batch.push(i);
    sum += n;
  }
  if (batch.length) batches.push(batch);
  return batches;
}
