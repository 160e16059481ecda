/**
 * Tail probabilities of counts, as the z of a standard normal with the same tail, so that every
 * window of every traffic rule is judged on one scale. Exact where it matters: a vendor called
 * twice a minute that goes silent for five minutes (P = e^-10) or sends 6 of 10 calls failing
 * (P ≈ 2·10^-10 at a 1% baseline) is far rarer than a normal approximation says, and a single
 * call where 0.05 are expected is far less rare than it says. Everything is computed in logs: the
 * windows of a busy series reach tails of 10^-1000 and beyond.
 */

const LN_SQRT_2PI = 0.9189385332046728;
const MAX_ITERATIONS = 500;
const EPS = 1e-14;

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
  9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7; ~15 significant digits). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const y = x - 1;
  let a = LANCZOS[0]!;
  const t = y + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (y + i);
  return LN_SQRT_2PI + (y + 0.5) * Math.log(t) - t + Math.log(a);
}

/** ln(1 − e^v) for v ≤ 0, without cancellation near 0. */
function log1mExp(v: number): number {
  return v > -Math.LN2 ? Math.log(-Math.expm1(v)) : Math.log1p(-Math.exp(v));
}

/**
 * ln P(a, x) and ln Q(a, x), the regularized lower and upper incomplete gamma functions
 * (Numerical Recipes' series and Lentz continued fraction, in logs).
 */
function logIncompleteGamma(a: number, x: number): { lower: number; upper: number } {
  if (x <= 0) return { lower: Number.NEGATIVE_INFINITY, upper: 0 };
  const prefix = a * Math.log(x) - x - logGamma(a);
  if (x < a + 1) {
    let ap = a;
    let del = 1 / a;
    let sum = del;
    for (let n = 0; n < MAX_ITERATIONS; n++) {
      ap += 1;
      del *= x / ap;
      sum += del;
      if (Math.abs(del) < Math.abs(sum) * EPS) break;
    }
    const lower = Math.log(sum) + prefix;
    return { lower, upper: log1mExp(Math.min(0, lower)) };
  }
  let b = x + 1 - a;
  let c = 1 / 1e-300;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (Math.abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  const upper = Math.log(h) + prefix;
  return { lower: log1mExp(Math.min(0, upper)), upper };
}

/** Continued fraction of the incomplete beta function (Numerical Recipes' betacf). */
function betaFraction(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < 1e-300) d = 1e-300;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= MAX_ITERATIONS; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    c = 1 + aa / c;
    if (Math.abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    c = 1 + aa / c;
    if (Math.abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return h;
}

/** ln I_x(a, b), the regularized incomplete beta function. */
function logIncompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return Number.NEGATIVE_INFINITY;
  if (x >= 1) return 0;
  const front = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  if (x < (a + 1) / (a + b + 2)) return front + Math.log(betaFraction(a, b, x)) - Math.log(a);
  const other = front + Math.log(betaFraction(b, a, 1 - x)) - Math.log(b);
  return log1mExp(Math.min(0, other));
}

/**
 * ln P(X ≥ k) for X ~ Poisson(λ). `k` may be fractional (a quasi-Poisson count divided by its
 * dispersion): the regularized gamma interpolates the integer tails smoothly.
 */
export function logPoissonUpper(k: number, lambda: number): number {
  if (k <= 0) return 0;
  if (lambda <= 0) return Number.NEGATIVE_INFINITY;
  return logIncompleteGamma(k, lambda).lower;
}

/** ln P(X ≤ k) for X ~ Poisson(λ); `k` may be fractional as above. */
export function logPoissonLower(k: number, lambda: number): number {
  if (k < 0) return Number.NEGATIVE_INFINITY;
  if (lambda <= 0) return 0;
  return logIncompleteGamma(k + 1, lambda).upper;
}

/**
 * ln P(X ≥ k) for X negative binomial with mean `mean` and shape `size` (variance mean + mean²/size):
 * a Poisson whose rate is itself uncertain (gamma), as a window's expectation is when it rests on
 * a few dozen calls of history or on the day's level. `k` may be fractional.
 */
export function logNegBinomialUpper(k: number, mean: number, size: number): number {
  if (k <= 0) return 0;
  if (mean <= 0) return Number.NEGATIVE_INFINITY;
  return logIncompleteBeta(mean / (size + mean), k, size);
}

/** ln P(X ≤ k) for the negative binomial above. */
export function logNegBinomialLower(k: number, mean: number, size: number): number {
  if (k < 0) return Number.NEGATIVE_INFINITY;
  if (mean <= 0) return 0;
  return logIncompleteBeta(size / (size + mean), size, k + 1);
}

/** ln P(X ≥ k) for X ~ Binomial(n, p). */
export function logBinomialUpper(k: number, n: number, p: number): number {
  if (k <= 0) return 0;
  if (k > n || p <= 0) return Number.NEGATIVE_INFINITY;
  if (p >= 1) return 0;
  return logIncompleteBeta(p, k, n - k + 1);
}

/** Acklam's rational approximation of the standard normal quantile, for 0 < p < 1. */
function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/**
 * The z whose standard normal upper tail is e^logP: 0 at P = ½, 4.85 at P ≈ 6·10^-7. Tails
 * beyond double precision use the asymptotic φ(z)/z ≈ P. Never negative: a tail above ½ is
 * no evidence.
 */
export function zFromLogTail(logP: number): number {
  if (!(logP < Math.log(0.5))) return 0;
  if (logP > -700) return -normalQuantile(Math.exp(logP));
  let z = Math.sqrt(-2 * logP);
  for (let i = 0; i < 4; i++) z = Math.sqrt(Math.max(1, -2 * logP - 2 * LN_SQRT_2PI - 2 * Math.log(z)));
  return z;
}

/** ln of the standard normal upper tail at z ≥ 0: P(Z > z) = ½·Q(½, z²/2), exact in logs. */
export function logNormalUpper(z: number): number {
  if (z <= 0) return Math.log(0.5);
  return Math.log(0.5) + logIncompleteGamma(0.5, (z * z) / 2).upper;
}
