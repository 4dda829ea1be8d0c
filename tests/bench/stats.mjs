// Medians, spreads and interleaved rounds.

/** The q-quantile (0..1) of numbers, linearly interpolated. */
export function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export const median = (values) => quantile(values, 0.5);

/** Median and spread of a list of per-round values. */
export function summary(values) {
  return {
    median: median(values),
    p25: quantile(values, 0.25),
    p75: quantile(values, 0.75),
    min: Math.min(...values),
    max: Math.max(...values),
    rounds: values,
  };
}

/**
 * Runs `rounds` rounds; in each, every contender's batch runs once, the order
 * rotating from round to round so that none is always first or last, after
 * a full GC when node runs with --expose-gc.
 * `batch(contender)` resolves to that batch's value (e.g. ms per call).
 * Returns `{ [key]: number[] }`, one value per round.
 */
export async function interleaved(rounds, contenders, batch) {
  const values = Object.fromEntries(contenders.map((c) => [c.key, []]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < contenders.length; i++) {
      const contender = contenders[(round + i) % contenders.length];
      globalThis.gc?.(); // with --expose-gc: no batch pays for another's garbage
      values[contender.key].push(await batch(contender, round));
    }
  }
  return values;
}

/**
 * Per-round ratios `a[i] / b[i]` (the two were measured in the same round,
 * so they share its noise), summarised.
 */
export function pairedRatio(a, b) {
  return summary(a.map((value, i) => value / b[i]));
}

/** Runs `calls` calls of `fn` with `concurrency` in flight; resolves to the failures. */
export async function pool(calls, concurrency, fn) {
  let next = 0;
  let failures = 0;
  const worker = async () => {
    while (next < calls) {
      next++;
      try {
        await fn();
      } catch {
        failures++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, calls) }, worker));
  return failures;
}
