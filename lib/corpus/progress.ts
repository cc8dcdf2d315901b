// The counts and rates a corpus run reports after each window (onProgress) and at its end.

export interface CorpusProgress {
  /** Files done: written to the output (predicted or failed), those resumed from it included. */
  files: number;
  /** Files in the input. */
  total: number;
  /** Audio of the files done, in seconds (resumed ones included). */
  audioSeconds: number;
  /** Audio of every file in the input, in seconds (from the files' headers). */
  totalAudioSeconds: number;
  /** Files that could not be predicted so far (resumed error records included). */
  failed: number;
  /** This run's rates (resumed files not counted). */
  filesPerSecond: number;
  audioSecondsPerSecond: number;
  /** The audio still to do at this run's rate. */
  etaSeconds: number;
}

export class ProgressMeter {
  readonly #total: number;
  readonly #totalAudio: number;
  readonly #startFiles: number;
  readonly #startAudio: number;
  readonly #started = performance.now();
  #files: number;
  #audio: number;
  #failed: number;
  /** Files and audio predicted by this run. */
  predicted = 0;
  predictedAudio = 0;

  /** seconds: every input file's; done: those the output held before this run; failed: how many of them are errors. */
  constructor(seconds: readonly number[], done: readonly boolean[], failed: number) {
    this.#total = seconds.length;
    this.#totalAudio = seconds.reduce((s, x) => s + x, 0);
    this.#files = this.#startFiles = done.filter(Boolean).length;
    this.#audio = this.#startAudio = seconds.reduce((s, x, i) => s + (done[i] ? x : 0), 0);
    this.#failed = failed;
  }

  /** One file written: predicted, or an error record. */
  add(seconds: number, predicted: boolean): void {
    this.#files++;
    this.#audio += seconds;
    if (predicted) {
      this.predicted++;
      this.predictedAudio += seconds;
    } else {
      this.#failed++;
    }
  }

  /** Seconds since the meter started (the run's first window). */
  elapsed(): number {
    return (performance.now() - this.#started) / 1000;
  }

  snapshot(): CorpusProgress {
    const elapsed = this.elapsed();
    const audioRate = elapsed > 0 ? (this.#audio - this.#startAudio) / elapsed : 0;
    return {
      files: this.#files,
      total: this.#total,
      audioSeconds: this.#audio,
      totalAudioSeconds: this.#totalAudio,
      failed: this.#failed,
      filesPerSecond: elapsed > 0 ? (this.#files - this.#startFiles) / elapsed : 0,
      audioSecondsPerSecond: audioRate,
      etaSeconds: audioRate > 0 ? (this.#totalAudio - this.#audio) / audioRate : 0,
    };
  }
}
