// Concordance correlation coefficient, as audmetric computes it: population moments in float64.
//   CCC = 2 cov(x, y) / (var(x) + var(y) + (mean(x) - mean(y))^2)
import { InputError } from './errors';

export function ccc(pred: ArrayLike<number>, gold: ArrayLike<number>): number {
  if (pred.length !== gold.length) {
    throw new InputError(`ccc: prediction and gold lengths differ (${pred.length} vs ${gold.length})`);
  }
  const n = pred.length;
  if (n < 2) return NaN;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += pred[i];
    my += gold[i];
  }
  mx /= n;
  my /= n;
  let vx = 0;
  let vy = 0;
  let cov = 0;
  for (let i = 0; i < n; i++) {
    const dx = pred[i] - mx;
    const dy = gold[i] - my;
    vx += dx * dx;
    vy += dy * dy;
    cov += dx * dy;
  }
  vx /= n;
  vy /= n;
  cov /= n;
  return (2 * cov) / (vx + vy + (mx - my) * (mx - my));
}
