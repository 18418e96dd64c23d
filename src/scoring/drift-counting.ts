// The hot path of drift bookkeeping (every scored customer passes here): customer -> field values ->
// bin indexes written into the window's ring. Typed arrays and straight loops only: scoring runs at
// ~1 M customers/s, so every nanosecond per customer shows (bench/drift.ts measures the cost).
import { CUSTOMER_FIELDS, type CustomerFieldName, type CustomerInputs } from '../domain/customer.js'

/** The field order writeFieldValues is written for; checked against CUSTOMER_FIELDS when this module loads. */
export const COUNTED_FIELDS: readonly CustomerFieldName[] = [
  'bookLengthAvgMinutes', 'bookLengthTotalMinutes', 'priceAvg', 'priceTotal', 'reviewed',
  'reviewScore', 'completion', 'minutesListened', 'supportRequests', 'lastVisitDaysAfterPurchase'
]
if (COUNTED_FIELDS.join(',') !== CUSTOMER_FIELDS.map((f) => f.name).join(',')) {
  throw new Error('drift-counting.ts: writeFieldValues no longer matches the CUSTOMER_FIELDS order; update both together')
}

/** Values written per customer: the fields, then 1 if the review score was missing else 0. */
export const COUNTED_COLUMNS = COUNTED_FIELDS.length + 1

/**
 * Writes one customer's COUNTED_COLUMNS values at out[offset..]: the fields in CUSTOMER_FIELDS order
 * (booleans as 0/1, a missing review score as `reviewScoreIfMissing`), then whether the score was
 * missing, which is binned and counted like a field. Straight-line, like features.ts: reading the
 * fields by name in a loop cost as much as all the rest.
 */
export function writeFieldValues (c: CustomerInputs, reviewScoreIfMissing: number, out: Float64Array, offset: number): void {
  const score = c.reviewScore
  out[offset] = c.bookLengthAvgMinutes
  out[offset + 1] = c.bookLengthTotalMinutes
  out[offset + 2] = c.priceAvg
  out[offset + 3] = c.priceTotal
  out[offset + 4] = c.reviewed ? 1 : 0
  out[offset + 5] = score ?? reviewScoreIfMissing
  out[offset + 6] = c.completion
  out[offset + 7] = c.minutesListened
  out[offset + 8] = c.supportRequests
  out[offset + 9] = c.lastVisitDaysAfterPurchase
  out[offset + 10] = score === null || score === undefined ? 1 : 0
}

/** Cut counts with an unrolled path in binColumn; a column with more cuts takes the loop. */
const UNROLLED_SIZES = [2, 4, 8] as const

/**
 * `cuts` padded with +Infinity (never below a value: adds no bin) to the smallest unrolled size that
 * holds them, or null when there are more than the largest (the committed model has at most 7).
 */
export function padCuts (cuts: readonly number[]): Float64Array | null {
  const size = UNROLLED_SIZES.find((s) => cuts.length <= s)
  if (size === undefined) return null
  const padded = new Float64Array(size).fill(Number.POSITIVE_INFINITY)
  padded.set(cuts)
  return padded
}

/**
 * Bins `count` values of one column, values[k * width + column], into out[outStart + k]: the number of
 * cuts below the value (bins are closed above). Counted without branches (`+(a < b)` compiles to a
 * flag, where a binary search's jumps mispredict on real data), one column at a time with its cuts in
 * local variables (registers), padded to 2, 4 or 8 cuts. The first version (a binary search per
 * customer and field, fields read by name, counts kept per customer) cost 3.5 ms per 10,000 customers;
 * with this and counting on demand (drift-window.ts) observe() takes ~0.6 ms.
 */
export function binColumn (cuts: Float64Array, padded: Float64Array | null, values: Float64Array, width: number, column: number, count: number, out: Uint8Array, outStart: number): void {
  if (padded === null) {
    for (let k = 0; k < count; k++) {
      const v = values[k * width + column] as number
      let bin = 0
      for (let j = 0; j < cuts.length; j++) bin += +((cuts[j] as number) < v)
      out[outStart + k] = bin
    }
    return
  }
  const c0 = padded[0] as number
  const c1 = padded[1] as number
  if (padded.length === 2) {
    for (let k = 0; k < count; k++) {
      const v = values[k * width + column] as number
      out[outStart + k] = +(c0 < v) + +(c1 < v)
    }
    return
  }
  const c2 = padded[2] as number
  const c3 = padded[3] as number
  if (padded.length === 4) {
    for (let k = 0; k < count; k++) {
      const v = values[k * width + column] as number
      out[outStart + k] = +(c0 < v) + +(c1 < v) + +(c2 < v) + +(c3 < v)
    }
    return
  }
  const c4 = padded[4] as number
  const c5 = padded[5] as number
  const c6 = padded[6] as number
  const c7 = padded[7] as number
  for (let k = 0; k < count; k++) {
    const v = values[k * width + column] as number
    out[outStart + k] = +(c0 < v) + +(c1 < v) + +(c2 < v) + +(c3 < v) + +(c4 < v) + +(c5 < v) + +(c6 < v) + +(c7 < v)
  }
}
