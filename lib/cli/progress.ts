// A one-line progress bar on stderr for training events (or nothing when stderr is not a TTY
// and events go to stdout as JSON).
import type { TrainEvent } from '../train';

export function progressPrinter(stream: NodeJS.WriteStream = process.stderr): (e: TrainEvent) => void {
  const tty = stream.isTTY === true;
  return (e) => {
    if (e.type === 'step') {
      const width = 24;
      const done = Math.round((width * e.step) / Math.max(1, e.totalSteps));
      const bar = '#'.repeat(done) + '-'.repeat(width - done);
      const line = `[${bar}] step ${e.step}/${e.totalSteps} epoch ${e.epoch + 1} loss ${e.loss.toFixed(4)} ` +
        `${e.audioSecondsPerSecond.toFixed(1)} audio-s/s`;
      stream.write(tty ? `\r${line}` : (e.step % 10 === 0 || e.step === e.totalSteps ? `${line}\n` : ''));
    } else if (e.type === 'warning') {
      stream.write(`${tty ? '\n' : ''}warning: ${e.message}\n`);
    } else if (e.type === 'start' && e.precision !== 'fp32') {
      stream.write(`precision ${e.precision} (${e.precisionReason})\n`);
    } else if (e.type === 'epoch' || e.type === 'eval') {
      const scores = Object.entries(e.devCcc).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ');
      stream.write(`${tty ? '\n' : ''}${e.type} ${e.epoch + 1}: dev CCC ${scores} (mean ${e.devCccMean.toFixed(3)})${e.best ? ' best' : ''}\n`);
    }
  };
}
