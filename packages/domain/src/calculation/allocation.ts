/**
 * Integer allocation by the largest-remainder method: given exact shares `numerators[i] / denominator`
 * (any sign) and an integer `target` close to their sum, returns integers that sum to `target` exactly, each
 * within one unit of its exact share where the target allows. Ties go to the earlier index, so the result
 * is deterministic.
 */
export const allocateLargestRemainder = (
  numerators: ReadonlyArray<bigint>,
  denominator: bigint,
  target: bigint,
): bigint[] => {
  if (numerators.length === 0) return [];
  if (denominator < 0n) {
    return allocateLargestRemainder(
      numerators.map((n) => -n),
      -denominator,
      target,
    );
  }
  const floors = numerators.map((n) => floorDiv(n, denominator));
  const remainders = numerators.map((n, i) => n - (floors[i] ?? 0n) * denominator);
  let missing = target - floors.reduce((sum, f) => sum + f, 0n);
  const byRemainderDesc = remainders
    .map((remainder, index) => ({ remainder, index }))
    .sort((a, b) => (a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1));
  const result = [...floors];
  const step = missing >= 0n ? 1n : -1n;
  // Adding goes to the largest remainders first; taking away starts from the smallest.
  const order = missing >= 0n ? byRemainderDesc : [...byRemainderDesc].reverse();
  for (let cursor = 0; missing !== 0n; cursor = (cursor + 1) % order.length) {
    const index = order[cursor]?.index ?? 0;
    result[index] = (result[index] ?? 0n) + step;
    missing -= step;
  }
  return result;
};

/** Division rounding toward −∞ (BigInt division truncates toward zero). */
export const floorDiv = (numerator: bigint, denominator: bigint): bigint => {
  const quotient = numerator / denominator;
  const inexact = numerator % denominator !== 0n;
  return inexact && numerator < 0n !== denominator < 0n ? quotient - 1n : quotient;
};

/** Splits `total` over `weights` in proportion (largest remainder); all-zero weights split evenly. */
export const allocateProportionally = (total: bigint, weights: ReadonlyArray<bigint>): bigint[] => {
  const weightSum = weights.reduce((sum, w) => sum + w, 0n);
  if (weightSum === 0n)
    return allocateLargestRemainder(
      weights.map(() => total),
      BigInt(weights.length),
      total,
    );
  return allocateLargestRemainder(
    weights.map((w) => w * total),
    weightSum,
    total,
  );
};
