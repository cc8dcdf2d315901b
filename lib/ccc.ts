// Concordance correlation coefficient, as audmetric computes it: population moments in float64.
//   CCC = 2 cov(x, y) / (var(x) + var(y) + (mean(x) - mean(y))^2)
import { InputError } from './errors';
import { describeValue } from './validate';

/** An array or typed array of finite numbers. */
function checkSeries(name: string, v: unknown): asserts v is ArrayLike<number> {
  const isTyped = ArrayBuffer.isView(v) && Object.prototype.toString.call(v) !== '[object DataView]';
  if (!Array.isArray(v) && !isTyped) throw new InputError(`ccc: '${name}' must be an array or typed array of numbers, got ${describeValue(v)}`);
  const a = v as ArrayLike<unknown>;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      throw new InputError(`ccc: '${name}'[${i}] must be a finite number, got ${describeValue(x)}`);
    }
  }
}

/** CCC of two equally long series of finite numbers; NaN for fewer than 2 values or zero variance in both. */
export function ccc(pred: ArrayLike<number>, gold: ArrayLike<number>): number {
  checkSeries('pred', pred);
  checkSeries('gold', gold);
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
