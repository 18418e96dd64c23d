// The audiobook data's hard rules as predicates on one customer, stated once: training counts customers
// and buyers by them into the card's dataQuirks, and serving (input warnings, explanations) reads those
// counts by the same ids and tests customers with the same predicates, so the two cannot drift apart.
import type { CustomerInputs } from './customer.js'

/** The dataQuirks ids, one per rule. */
export const QUIRK_IDS = {
  listened: 'listened-never-bought',
  severalBooks: 'several-books-bought-again',
  unusualNonReviewerScore: 'non-reviewer-score-bought-again'
} as const

/** Has listened to at least one minute. */
export function hasListened (c: CustomerInputs): boolean {
  return c.minutesListened > 0
}

/** Bought more than one book: the total length clearly above the average (float noise aside). */
export function boughtSeveralBooks (c: CustomerInputs): boolean {
  return c.bookLengthTotalMinutes > c.bookLengthAvgMinutes * 1.0001
}

/** A non-reviewer sent with a score other than the one the source gives non-reviewers. */
export function hasUnusualNonReviewerScore (c: CustomerInputs, usualScore: number): boolean {
  return !c.reviewed && typeof c.reviewScore === 'number' && Math.abs(c.reviewScore - usualScore) > 0.005
}
