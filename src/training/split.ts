// Seeded stratified splits: a held-out test part, then cross-fitting folds over the rest. Each class is
// shuffled and cut in the same proportions, so every part keeps the buyer share.
import { createRandom, shuffleInPlace } from '../domain/seeded-random.js'

export interface HoldoutIndices {
  /** Rows the members learn from and early-stop on (all folds together), ascending. */
  readonly rest: number[]
  /** Rows no member ever sees, ascending. */
  readonly test: number[]
}

function indicesOfClass (labels: readonly number[], cls: number, among?: readonly number[]): number[] {
  const rows = among ?? labels.map((_, i) => i)
  return rows.filter((i) => labels[i] === cls)
}

/**
 * The test part: per class, a seeded shuffle and the first round(n x testFraction) rows.
 * (With the same seed this is the test split the models before cross-fitting held out, so their test
 * metrics compare on the same customers.)
 */
export function stratifiedHoldout (labels: readonly number[], testFraction: number, seed: number): HoldoutIndices {
  if (!(testFraction > 0 && testFraction < 1)) throw new Error(`the test fraction (${testFraction}) must be between 0 and 1`)
  const random = createRandom(seed)
  const split: HoldoutIndices = { rest: [], test: [] }
  for (const cls of [0, 1]) {
    const members = shuffleInPlace(indicesOfClass(labels, cls), random)
    const testCount = Math.round(members.length * testFraction)
    split.test.push(...members.slice(0, testCount))
    split.rest.push(...members.slice(testCount))
  }
  // Sorted so the result depends only on membership, not on class order.
  split.rest.sort((a, b) => a - b)
  split.test.sort((a, b) => a - b)
  return split
}

/**
 * `k` folds over `rows`: per class, a seeded shuffle dealt round-robin, so fold sizes and buyer counts
 * differ by at most one. Each fold ascending.
 */
export function stratifiedFolds (labels: readonly number[], rows: readonly number[], k: number, seed: number): number[][] {
  if (!(Number.isInteger(k) && k >= 2)) throw new Error(`cross-fitting needs at least 2 folds, got ${k}`)
  const random = createRandom(seed ^ 0xf01d)
  const folds: number[][] = Array.from({ length: k }, () => [])
  let next = 0
  for (const cls of [0, 1]) {
    for (const row of shuffleInPlace(indicesOfClass(labels, cls, rows), random)) {
      (folds[next % k] as number[]).push(row)
      next++
    }
  }
  for (const fold of folds) fold.sort((a, b) => a - b)
  return folds
}
