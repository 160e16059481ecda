/**
 * The NAB scoring method (Lavin & Ahmad 2015; NAB v1.1), written from the published rules:
 * anomaly windows, the scaled sigmoid, a probationary period (15%, at most 750 rows) that is not
 * scored, one threshold per profile optimised over the whole corpus, and normalisation so that the
 * null detector scores 0 and a perfect detector 100.
 */

/** tp/fp/fn weights of one NAB profile. */
export interface CostMatrix {
  tpWeight: number;
  fpWeight: number;
  fnWeight: number;
}

export const NAB_PROFILES: Record<'standard' | 'reward_low_FP_rate' | 'reward_low_FN_rate', CostMatrix> = {
  standard: { tpWeight: 1, fpWeight: 0.11, fnWeight: 1 },
  reward_low_FP_rate: { tpWeight: 1, fpWeight: 0.22, fnWeight: 1 },
  reward_low_FN_rate: { tpWeight: 1, fpWeight: 0.11, fnWeight: 2 },
};

/** One scored data file: its rows' anomaly scores and its windows as [firstRow, lastRow] indexes. */
export interface ScoredFile {
  name: string;
  scores: number[];
  windows: Array<[number, number]>;
}

/** 2·sigmoid(−5x) − 1: +0.987 at a window's left edge, 0 at its right edge, → −1 after it. */
export function scaledSigmoid(position: number): number {
  if (position >= 3) return -1;
  return 2 / (1 + Math.exp(5 * position)) - 1;
}

export function probationaryRows(rows: number): number {
  return Math.min(Math.floor(0.15 * rows), 750);
}

/** A row that counts: its score and what it earns if detected (window id or −1 for a false positive). */
interface Row {
  score: number;
  /** Weighted reward if detected: tp reward inside a window, fp penalty (negative) outside. */
  reward: number;
  window: number;
}

/** Unweighted sweep scores of every scorable row of every file; windows numbered corpus-wide. */
function sweep(files: ScoredFile[]): { rows: Array<{ score: number; unweighted: number; window: number }>; windows: number } {
  const rows: Array<{ score: number; unweighted: number; window: number }> = [];
  let windowId = 0;
  for (const file of files) {
    const probation = probationaryRows(file.scores.length);
    let w = 0;
    let prevRight = -1;
    let prevWidth = 0;
    const ids = file.windows.map(() => -1);
    for (let i = 0; i < file.scores.length; i++) {
      const cur = file.windows[w];
      let unweighted: number;
      let window = -1;
      if (cur && i >= cur[0] && i <= cur[1]) {
        const width = cur[1] - cur[0] + 1;
        // NAB scales so that the left edge earns exactly tpWeight.
        unweighted = scaledSigmoid(-(cur[1] - i + 1) / width) / scaledSigmoid(-1);
        if (i >= probation) {
          if (ids[w] === -1) ids[w] = windowId++;
          window = ids[w]!;
        }
      } else {
        unweighted = prevRight < 0 ? -1 : scaledSigmoid(Math.abs(prevRight - i) / (prevWidth - 1));
      }
      if (i >= probation) rows.push({ score: file.scores[i]!, unweighted, window });
      if (cur && i === cur[1]) {
        prevRight = i;
        prevWidth = cur[1] - cur[0] + 1;
        w++;
      }
    }
  }
  return { rows, windows: windowId };
}

/** The corpus score at the best threshold for one profile (raw, before normalisation). */
export function bestThreshold(files: ScoredFile[], cost: CostMatrix): { threshold: number; raw: number } {
  const { rows: swept, windows } = sweep(files);
  const rows: Row[] = swept.map((r) => ({ score: r.score, window: r.window, reward: r.window >= 0 ? r.unweighted * cost.tpWeight : r.unweighted * cost.fpWeight }));
  rows.sort((a, b) => b.score - a.score);
  const windowBest = new Array<number>(windows).fill(-cost.fnWeight);
  let fp = 0;
  let windowSum = -cost.fnWeight * windows;
  let best = { threshold: 1.1, raw: windowSum };
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (r.window >= 0) {
      const prev = windowBest[r.window]!;
      if (r.reward > prev) {
        windowSum += r.reward - prev;
        windowBest[r.window] = r.reward;
      }
    } else {
      fp += r.reward;
    }
    // A threshold admits every row with score ≥ it, so evaluate only after the last row of a tie.
    const next = rows[i + 1];
    if (next === undefined || next.score !== r.score) {
      const raw = windowSum + fp;
      if (raw > best.raw) best = { threshold: r.score, raw };
    }
  }
  return best;
}

/** Normalised NAB score: 100·(raw − null) / (perfect − null), perfect = windows·tpWeight as in NAB. */
export function nabScore(files: ScoredFile[], cost: CostMatrix): { score: number; threshold: number; raw: number } {
  const { threshold, raw } = bestThreshold(files, cost);
  const nullRaw = bestThreshold(
    files.map((f) => ({ ...f, scores: f.scores.map(() => 0) })),
    cost,
  ).raw;
  const perfect = files.reduce((n, f) => n + f.windows.length, 0) * cost.tpWeight;
  return { score: (100 * (raw - nullRaw)) / (perfect - nullRaw), threshold, raw };
}
