// Soft warnings about one customer's inputs: scored as usual, but flagged, because the answer may be
// about the wrong question. OUT_OF_RANGE: outside the training range, so the model clipped it (prices
// in cents are the usual cause). INCONSISTENT: in all 4,925 training customers who listened,
// minutesListened equals completion x bookLengthTotalMinutes (to float precision); more than 5% apart
// means one of the three is not what the model learned from. UNSEEN_COMBINATION: the customer has
// listened and bought several books, which no training customer did when the card's data quirks say
// every listener stayed away and every buyer of several books came back: the model then extrapolates
// between two opposite rules. INCONSISTENT on reviewScore: a non-reviewer sent with a score other than
// the one the source gives non-reviewers, which the model learned as a sign of a buyer (every such
// training customer bought again): usually a score sent whatever `reviewed` says. Warnings never change
// a probability.
import type { DataQuirk, FieldStatistics } from '../artefact/model-card.js'
import type { CustomerFieldName, CustomerInputs } from '../domain/customer.js'
import { counted } from '../domain/counted.js'
import { QUIRK_IDS, boughtSeveralBooks, hasListened, hasUnusualNonReviewerScore } from '../domain/data-rules.js'

export type WarningCode = 'OUT_OF_RANGE' | 'INCONSISTENT' | 'UNSEEN_COMBINATION'

export interface InputWarning {
  readonly field: CustomerFieldName
  readonly code: WarningCode
  readonly message: string
}

/** Every warning code: metrics label values come from this closed set. */
export const WARNING_CODES: readonly WarningCode[] = ['OUT_OF_RANGE', 'INCONSISTENT', 'UNSEEN_COMBINATION']

/** How far minutesListened may be from completion x bookLengthTotalMinutes, relative to the latter. */
export const LISTENING_TOLERANCE = 0.05

/** Numeric fields whose training range is checked, in the order outOfRangeMask reads them (booleans cannot leave it; a missing score is imputed). */
const RANGE_CHECKED: readonly CustomerFieldName[] = [
  'bookLengthAvgMinutes', 'bookLengthTotalMinutes', 'priceAvg', 'priceTotal', 'reviewScore',
  'completion', 'minutesListened', 'supportRequests', 'lastVisitDaysAfterPurchase'
]
const PRICES: ReadonlySet<CustomerFieldName> = new Set(['priceAvg', 'priceTotal'])

export interface TrainingRange { readonly field: CustomerFieldName, readonly min: number, readonly max: number, readonly unit: string }

/** The training ranges of the range-checked fields, in RANGE_CHECKED order (a field the card lacks is never out of range). */
export interface TrainingRanges {
  readonly ranges: readonly TrainingRange[]
  readonly mins: Float64Array
  readonly maxs: Float64Array
  /**
   * True when the training data had no customer who both listened and bought several books (every
   * listener a non-buyer, every buyer of several books a buyer, by the card's data quirks); false for a
   * card without those counts.
   */
  readonly listenerWithSeveralBooksUnseen: boolean
  /**
   * The score non-reviewers carry in training and the training customers who were non-reviewers with
   * another score (all buyers, in the audiobook data); null for a card without those facts.
   */
  readonly nonReviewerScore: { readonly usual: number, readonly others: { readonly customers: number, readonly buyers: number } | null } | null
}

function opposite (quirks: readonly DataQuirk[]): boolean {
  const listened = quirks.find((q) => q.id === QUIRK_IDS.listened)?.group
  const several = quirks.find((q) => q.id === QUIRK_IDS.severalBooks)?.group
  return listened !== undefined && several !== undefined && listened.customers > 0 && several.customers > 0 &&
    listened.buyers === 0 && several.buyers === several.customers
}

/**
 * The training ranges of the range-checked fields (the model card's field statistics) and its data
 * rules; `usualNonReviewerScore` is the score the model uses for a non-reviewer (the card's binning of a
 * missing reviewScore).
 */
export function trainingRanges (features: readonly FieldStatistics[], quirks: readonly DataQuirk[] = [], usualNonReviewerScore?: number): TrainingRanges {
  const ranges = RANGE_CHECKED.map((field): TrainingRange => {
    const stats = features.find((f) => f.name === field)
    return stats === undefined
      ? { field, min: Number.NEGATIVE_INFINITY, max: Number.POSITIVE_INFINITY, unit: '' }
      : { field, min: stats.min, max: stats.max, unit: stats.unit }
  })
  const others = quirks.find((q) => q.id === QUIRK_IDS.unusualNonReviewerScore)?.group
  return {
    ranges,
    mins: Float64Array.from(ranges, (r) => r.min),
    maxs: Float64Array.from(ranges, (r) => r.max),
    listenerWithSeveralBooksUnseen: opposite(quirks),
    nonReviewerScore: usualNonReviewerScore === undefined ? null : { usual: usualNonReviewerScore, others: others ?? null }
  }
}

const round = (x: number): number => Number(x.toPrecision(6))

const outside = (value: number, min: number, max: number): boolean => value < min || value > max

/**
 * Bit i set when RANGE_CHECKED[i] is outside its range. Straight-line field reads, like
 * domain/features.ts: on the scoring hot path, a loop reading fields by name cost 1.9 ms per 10,000
 * customers against 14 ms for scoring them (measured in process, committed model).
 */
function outOfRangeMask (c: CustomerInputs, mins: Float64Array, maxs: Float64Array): number {
  const score = c.reviewScore
  return (outside(c.bookLengthAvgMinutes, mins[0] as number, maxs[0] as number) ? 1 : 0) |
    (outside(c.bookLengthTotalMinutes, mins[1] as number, maxs[1] as number) ? 2 : 0) |
    (outside(c.priceAvg, mins[2] as number, maxs[2] as number) ? 4 : 0) |
    (outside(c.priceTotal, mins[3] as number, maxs[3] as number) ? 8 : 0) |
    (typeof score === 'number' && outside(score, mins[4] as number, maxs[4] as number) ? 16 : 0) |
    (outside(c.completion, mins[5] as number, maxs[5] as number) ? 32 : 0) |
    (outside(c.minutesListened, mins[6] as number, maxs[6] as number) ? 64 : 0) |
    (outside(c.supportRequests, mins[7] as number, maxs[7] as number) ? 128 : 0) |
    (outside(c.lastVisitDaysAfterPurchase, mins[8] as number, maxs[8] as number) ? 256 : 0)
}

/** The warnings for one customer, or null when there are none (the common case allocates nothing). */
export function inputWarnings (customer: CustomerInputs, training: TrainingRanges): InputWarning[] | null {
  let warnings: InputWarning[] | null = null
  const mask = outOfRangeMask(customer, training.mins, training.maxs)
  if (mask !== 0) {
    const values = customer as unknown as Readonly<Record<string, number>>
    training.ranges.forEach(({ field, min, max, unit }, i) => {
      if ((mask & (1 << i)) === 0) return
      const value = values[field] as number
      const used = value < min ? min : max
      const cents = PRICES.has(field) && value > max ? ' Are the prices in cents? They are expected in dollars.' : ''
      ;(warnings ??= []).push({
        field,
        code: 'OUT_OF_RANGE',
        message: `${field} ${round(value)} is outside the training range ${round(min)} to ${round(max)} (${unit}): scored as ${round(used)}.${cents}`
      })
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
  if (training.listenerWithSeveralBooksUnseen && hasListened(customer) && boughtSeveralBooks(customer)) {
    ;(warnings ??= []).push({
      field: 'minutesListened',
      code: 'UNSEEN_COMBINATION',
      message: 'has listened (minutesListened > 0) and bought more than one book (bookLengthTotalMinutes above bookLengthAvgMinutes): no training customer had both; those who listened never bought again and those with several books always did, so this probability sits between two rules the model never saw meet'
    })
  }
  const nonReviewer = training.nonReviewerScore
  if (nonReviewer !== null && hasUnusualNonReviewerScore(customer, nonReviewer.usual)) {
    const sent = `reviewed is false but reviewScore is ${round(customer.reviewScore as number)}: the training data gives non-reviewers the score ${round(nonReviewer.usual)}`
    const others = nonReviewer.others
    // A card trained before its data quirks were counted still knows the usual score: warned without the counts.
    const seen = others === null
      ? 'so the model may read another score on a non-reviewer as a strong signal'
      : `and the ${counted(others.customers, 'non-reviewer')} with another score ${others.buyers === others.customers ? (others.customers === 1 ? 'bought again' : 'all bought again') : `${others.buyers} bought again`}, so the model scores this customer like them`
    ;(warnings ??= []).push({ field: 'reviewScore', code: 'INCONSISTENT', message: `${sent}, ${seen}. Send no reviewScore (or null) for a customer who did not review` })
  }
  return warnings
}
