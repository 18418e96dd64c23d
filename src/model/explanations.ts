// Reason codes: which customer fields pushed a probability up or down, in plain words.
// Method: occlusion against a reference customer. For each field, the field alone is set to its
// training-split reference value (the mean; false for `reviewed`; the imputed score for
// `reviewScore`) and the customer is scored again; effect = probability - probability with the
// field at its reference. So a positive effect means this customer's value raises the probability
// compared with a typical value, and moving the field to the reference moves the probability by
// exactly -effect (the sign test in test/explain.test.ts checks this against the model).
import { CUSTOMER_FIELDS, type CustomerFieldName, type CustomerInputs } from '../domain/customer.js'
import type { FieldStatistics } from '../artefact/model-card.js'

export interface Reason {
  readonly feature: CustomerFieldName
  readonly value: number | boolean | null
  /** Signed change of probability, as text with two decimals ("+0.21", "-0.05"). */
  readonly effect: string
  /** The same change as a number. */
  readonly effectValue: number
  readonly text: string
}

export const REASONS_PER_CUSTOMER = 3

export type ReferenceValues = Readonly<Record<CustomerFieldName, number | boolean>>

/** Reference values from the training-split field statistics stored in the model card. */
export function referenceValues (fields: readonly FieldStatistics[], reviewScoreImputation: number): ReferenceValues {
  const means = new Map(fields.map((f) => [f.name, f.mean]))
  const mean = (name: CustomerFieldName): number => {
    const value = means.get(name)
    if (value === undefined) throw new Error(`model card has no statistics for ${name}`)
    return value
  }
  return {
    bookLengthAvgMinutes: mean('bookLengthAvgMinutes'),
    bookLengthTotalMinutes: mean('bookLengthTotalMinutes'),
    priceAvg: mean('priceAvg'),
    priceTotal: mean('priceTotal'),
    reviewed: mean('reviewed') >= 0.5,
    reviewScore: reviewScoreImputation,
    completion: mean('completion'),
    minutesListened: mean('minutesListened'),
    supportRequests: mean('supportRequests'),
    lastVisitDaysAfterPurchase: mean('lastVisitDaysAfterPurchase')
  }
}

const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits
const typical = (x: number | boolean, digits = 0): string => `typical ${round(Number(x), digits)}`

/** Plain words for one field's value of this customer. */
function describe (field: CustomerFieldName, c: CustomerInputs, reference: ReferenceValues): string {
  switch (field) {
    case 'bookLengthAvgMinutes':
      return `bought books of ${round(c.bookLengthAvgMinutes, 0)} minutes on average (${typical(reference.bookLengthAvgMinutes)})`
    case 'bookLengthTotalMinutes': {
      const books = Math.round(c.bookLengthTotalMinutes / c.bookLengthAvgMinutes)
      return books > 1
        ? `bought ${books} books (${round(c.bookLengthTotalMinutes, 0)} minutes in total)`
        : `bought one book (${round(c.bookLengthTotalMinutes, 0)} minutes in total)`
    }
    case 'priceAvg':
      return `paid $${round(c.priceAvg, 2)} per book on average (${typical(reference.priceAvg, 2)})`
    case 'priceTotal':
      return `paid $${round(c.priceTotal, 2)} in total (${typical(reference.priceTotal, 2)})`
    case 'reviewed':
      return c.reviewed ? 'left a review' : 'has not left a review'
    case 'reviewScore':
      return c.reviewScore === null || c.reviewScore === undefined ? 'gave no review score' : `gave a review score of ${c.reviewScore}/10`
    case 'completion':
      return c.completion === 0 ? 'has not listened to any book yet' : `has listened to ${round(c.completion * 100, 0)}% of the purchased minutes`
    case 'minutesListened':
      return c.minutesListened === 0 ? 'has not listened to any minute yet' : `listened for ${round(c.minutesListened, 0)} minutes (${typical(reference.minutesListened)})`
    case 'supportRequests':
      return c.supportRequests === 0 ? 'made no support request' : `made ${c.supportRequests} support request${c.supportRequests > 1 ? 's' : ''}`
    case 'lastVisitDaysAfterPurchase':
      return c.lastVisitDaysAfterPurchase === 0
        ? 'has not come back since the purchase day'
        : `came back ${round(c.lastVisitDaysAfterPurchase, 0)} days after the purchase (${typical(reference.lastVisitDaysAfterPurchase)})`
  }
}

/** The customers to score for explanations: each field of each customer set to its reference, field by field. */
export function occludedCustomers (customers: readonly CustomerInputs[], reference: ReferenceValues): CustomerInputs[] {
  const out: CustomerInputs[] = []
  for (const c of customers) {
    for (const field of CUSTOMER_FIELDS) out.push({ ...c, [field.name]: reference[field.name] } as CustomerInputs)
  }
  return out
}

/** Top reasons per customer from its probability and the probabilities of its occluded copies. */
export function reasonsFrom (
  customers: readonly CustomerInputs[], probabilities: ArrayLike<number>, occludedProbabilities: ArrayLike<number>, reference: ReferenceValues
): Reason[][] {
  const fieldCount = CUSTOMER_FIELDS.length
  return customers.map((c, i) => {
    const p = probabilities[i] as number
    return CUSTOMER_FIELDS
      .map((field, f) => ({ field: field.name, effect: p - (occludedProbabilities[i * fieldCount + f] as number) }))
      .sort((a, b) => Math.abs(b.effect) - Math.abs(a.effect))
      .slice(0, REASONS_PER_CUSTOMER)
      .map(({ field, effect }) => ({
        feature: field,
        value: (c as Record<string, number | boolean | null | undefined>)[field] ?? null,
        effect: `${effect >= 0 ? '+' : '-'}${Math.abs(effect).toFixed(2)}`,
        effectValue: effect,
        text: describe(field, c, reference)
      }))
  })
}
