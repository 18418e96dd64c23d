// Seeded stratified train / validation / test split: each class is shuffled and cut in the same proportions.
import { createRandom, shuffleInPlace } from '../domain/seeded-random.js'

export interface SplitIndices {
  readonly train: number[]
  readonly validation: number[]
  readonly test: number[]
}

export function stratifiedSplit (labels: readonly number[], validationFraction: number, testFraction: number, seed: number): SplitIndices {
  if (!(validationFraction > 0 && testFraction > 0 && validationFraction + testFraction < 1)) {
    throw new Error(`validation (${validationFraction}) and test (${testFraction}) fractions must be positive and sum below 1`)
  }
  const random = createRandom(seed)
  const split: SplitIndices = { train: [], validation: [], test: [] }
  for (const cls of [0, 1]) {
    const members = labels.flatMap((label, i) => (label === cls ? [i] : []))
    shuffleInPlace(members, random)
    const testCount = Math.round(members.length * testFraction)
    const validationCount = Math.round(members.length * validationFraction)
    split.test.push(...members.slice(0, testCount))
    split.validation.push(...members.slice(testCount, testCount + validationCount))
    split.train.push(...members.slice(testCount + validationCount))
  }
  // Sorted so the result depends only on membership, not on class order.
  for (const part of [split.train, split.validation, split.test]) part.sort((a, b) => a - b)
  return split
}
