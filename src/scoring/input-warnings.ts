// Soft warnings about one customer's inputs: scored as usual, but flagged, because the answer may be
// about the wrong question. OUT_OF_RANGE: outside the training range, so the model clipped it (prices
// in cents are the usual cause). INCONSISTENT: in all 4,925 training customers who listened,
// minutesListened equals completion x bookLengthTotalMinutes (to float precision); more than 5% apart
// means one of the three is not what the model learned from. Warnings never change a probability.
import type { FieldStatistics } from '../artefact/model-card.js'
import type { CustomerFieldName, CustomerInputs } from '../domain/customer.js'

export type WarningCode = 'OUT_OF_RANGE' | 'INCONSISTENT'

export interface InputWarning {
  readonly field: CustomerFieldName
  readonly code: WarningCode
  readonly message: string
}

/** Every warning code: metrics label values come from this closed set. */
export const WARNING_CODES: readonly WarningCode[] = ['OUT_OF_RANGE', 'INCONSISTENT']

/** How far minutesListened may be from completion x bookLengthTotalMinutes, relative to the latter. */
export const LISTENING_TOLERANCE = 0.05

/** Numeric fields whose training range is checked (booleans cannot leave it; a missing score is imputed). */
const RANGE_CHECKED: readonly CustomerFieldName[] = [
  'bookLengthAvgMinutes', 'bookLengthTotalMinutes', 'priceAvg', 'priceTotal', 'reviewScore',
  'completion', 'minutesListened', 'supportRequests', 'lastVisitDaysAfterPurchase'
]
const PRICES: ReadonlySet<CustomerFieldName> = new Set(['priceAvg', 'priceTotal'])

export interface TrainingRange { readonly field: CustomerFieldName, readonly min: number, readonly max: number, readonly unit: string }

/** The training ranges of the range-checked fields, from the model card's field statistics. */
export function trainingRanges (features: readonly FieldStatistics[]): TrainingRange[] {
  return RANGE_CHECKED.flatMap((field) => {
    const stats = features.find((f) => f.name === field)
    return stats === undefined ? [] : [{ field, min: stats.min, max: stats.max, unit: stats.unit }]
  })
}

const round = (x: number): number => Number(x.toPrecision(6))

/** The warnings for one customer, or null when there are none (the common case allocates nothing). */
export function inputWarnings (customer: CustomerInputs, ranges: readonly TrainingRange[]): InputWarning[] | null {
  let warnings: InputWarning[] | null = null
  const values = customer as unknown as Readonly<Record<string, number | boolean | null | undefined>>
  for (const { field, min, max, unit } of ranges) {
    const value = values[field]
    if (typeof value !== 'number' || (value >= min && value <= max)) continue
    const used = value < min ? min : max
    const cents = PRICES.has(field) && value > max ? ' Are the prices in cents? They are expected in dollars.' : ''
    ;(warnings ??= []).push({
      field,
      code: 'OUT_OF_RANGE',
      message: `${field} ${round(value)} is outside the training range ${round(min)} to ${round(max)} (${unit}): scored as ${round(used)}.${cents}`
    })
  }
  const expected = customer.completion * customer.bookLengthTotalMinutes
  const listened = customer.minutesListened
  if (Math.abs(listened - expected) > LISTENING_TOLERANCE * expected) {
    ;(warnings ??= []).push({
      field: 'minutesListened',
      code: 'INCONSISTENT',
      message: `minutesListened ${round(listened)} differs by more than ${LISTENING_TOLERANCE * 100}% from completion x bookLengthTotalMinutes = ${round(expected)}; in the training data they are equal`
    })
  }
  return warnings
}
