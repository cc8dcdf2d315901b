// The evaluation's progress on stderr: a bar redrawn in place on a terminal, a line per step
// (and every 10 %) otherwise.
import type { EvaluationProgress } from '../evaluation/options';

export function evaluationProgressPrinter(stream: NodeJS.WriteStream = process.stderr): (p: EvaluationProgress) => void {
  const tty = stream.isTTY === true;
  let lastKey = '';
  let lastTenth = -1;
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
      const tenth = Math.floor(share * 10);
      if (key !== lastKey || tenth !== lastTenth) stream.write(`${line}\n`);
      lastTenth = tenth;
    }
    lastKey = key;
  };
}
