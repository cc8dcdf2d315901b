// `ser-torch predict <model> --manifest corpus.csv --out preds.jsonl [--resume]`: predictCorpus
// with a progress bar on stderr (files, audio hours, ETA) and a summary on stdout. Ctrl-C stops
// after the window in flight is written (a second one quits at once); --resume continues.
import { type CorpusProgress, predictCorpus } from '../corpus/predict-corpus';
import type { OutputFormat } from '../corpus/output-format';
import type { Device, Precision } from '../types';

export interface CorpusCliOptions {
  /** A manifest (CSV or JSONL, as for training) or a folder of audio files. */
  manifest: string;
  out: string;
  resume?: boolean;
  format?: OutputFormat;
  batchSize?: number;
  device?: Device;
  precision?: Precision;
  confineAudioPaths?: boolean;
}

/** "1h02m", "4m05s", "12s". */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

const hours = (seconds: number) => (seconds / 3600).toFixed(seconds < 36 ? 3 : seconds < 360 ? 2 : 1);

/** The progress line: redrawn in place on a terminal, else a line per tenth of the files. */
export function corpusProgressPrinter(stream: NodeJS.WriteStream = process.stderr): (p: CorpusProgress) => void {
  const tty = stream.isTTY === true;
  let lastTenth = -1;
  return (p) => {
    const width = 24;
    const share = p.total > 0 ? p.files / p.total : 1;
    const bar = '#'.repeat(Math.round(width * share)).padEnd(width, '-');
    const failed = p.failed ? `, ${p.failed} failed` : '';
    const line = `[${bar}] ${p.files}/${p.total} files${failed}, ${hours(p.audioSeconds)}/${hours(p.totalAudioSeconds)} audio h, ` +
      `${p.audioSecondsPerSecond.toFixed(1)} audio-s/s, ETA ${duration(p.etaSeconds)}`;
    if (tty) {
      stream.write(`\r${line}\x1b[K`);
    } else {
      const tenth = Math.floor(share * 10);
      if (tenth !== lastTenth) stream.write(`${line}\n`);
      lastTenth = tenth;
    }
  };
}

const SKIPPED_SHOWN = 10;

export async function runCorpusFromCli(modelDir: string, o: CorpusCliOptions): Promise<void> {
  const controller = new AbortController();
  const quit = () => process.exit(130);
  const stop = () => {
    process.stderr.write('\nser-torch: stopping after the files in flight are written (Ctrl-C again to quit now; --resume continues)\n');
    controller.abort();
    process.once('SIGINT', quit);
  };
  process.once('SIGINT', stop);
  const printer = corpusProgressPrinter();
  const tty = process.stderr.isTTY === true;
  try {
    const r = await predictCorpus(modelDir, o.manifest, {
      out: o.out, resume: o.resume, format: o.format, batchSize: o.batchSize, device: o.device, precision: o.precision,
      confineAudioPaths: o.confineAudioPaths, onProgress: printer, signal: controller.signal,
    });
    if (tty) process.stderr.write('\n');
    for (const s of r.skipped.slice(0, SKIPPED_SHOWN)) process.stderr.write(`ser-torch: not predicted: ${s.reason}\n`);
    if (r.skipped.length > SKIPPED_SHOWN) {
      process.stderr.write(`ser-torch: ... and ${r.skipped.length - SKIPPED_SHOWN} more (each is an error record in ${r.out})\n`);
    }
    const resumed = r.resumed ? `, ${r.resumed} already there` : '';
    console.log(`${r.out}: ${r.predicted} files predicted${resumed}, ${r.skipped.length} unreadable, of ${r.files}; ` +
      `${r.audioSecondsPerSecond.toFixed(1)} audio-s/s, ${duration(r.seconds)}`);
  } catch (error) {
    // The error line goes below the bar; an AbortError says what the output holds and how to continue.
    if (tty) process.stderr.write('\n');
    throw error;
  } finally {
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGINT', quit);
  }
}
