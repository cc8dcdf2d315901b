// The evaluation's progress on stderr: a bar redrawn in place on a terminal, a line per step
// otherwise (when each stage step finishes).
import type { EvaluationProgress } from '../evaluation/options';

export function evaluationProgressPrinter(stream: NodeJS.WriteStream = process.stderr): (p: EvaluationProgress) => void {
  const tty = stream.isTTY === true;
  let lastKey = '';
  return (p) => {
    const label = p.stage === 'robustness' ? `robustness ${p.condition ?? ''}` : p.stage;
    const width = 24;
    const share = p.total > 0 ? p.done / p.total : 1;
    const bar = '#'.repeat(Math.round(width * share)).padEnd(width, '-');
    const line = `[${bar}] ${label} ${p.done}/${p.total}`;
    const key = `${p.stage}:${p.condition ?? ''}`;
    if (tty) {
      stream.write(`${key !== lastKey && lastKey ? '\n' : '\r'}${line}`);
    } else {
      // A log, not a terminal: one line when a stage step finishes.
      if (p.done >= p.total) stream.write(`${line}\n`);
    }
    lastKey = key;
  };
}
