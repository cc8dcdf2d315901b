// A corpus run works through its input in windows of consecutive files: each window is one model
// call (sorted into length buckets there and padded per batch), and its records are written in
// input order once it is done. Windows are cut from the whole input, done or not, so a resumed
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
