// Reason codes: which customer fields pushed a probability up or down, in plain words.
// Method: occlusion against a reference customer. For each field, the field is set to its
// training-split reference value (the mean; false for `reviewed`; the imputed score for
// `reviewScore`; one book for a total, an average moving with its total: see occlude) and the customer
// is scored again; effect = probability - probability with the field at its reference. So a positive effect means this customer's value raises the probability
// compared with a typical value, and moving the field to the reference moves the probability by
// exactly -effect (the sign test in test/explain.test.ts checks this against the model).
// Effects are given to two decimals, text and number alike; one that rounds to nothing reads "0.00".
// Where the direction surprises (listening lowers the probability), the text says what the training
// data shows, from the counts training stored in the card (card.dataQuirks).
import { CUSTOMER_FIELDS, type CustomerFieldName, type CustomerInputs } from '../domain/customer.js'
import type { DataQuirk, FieldStatistics } from '../artefact/model-card.js'
import { QUIRK_IDS, boughtSeveralBooks, hasUnusualNonReviewerScore } from '../domain/data-rules.js'

export interface Reason {
  readonly feature: CustomerFieldName
  readonly value: number | boolean | null
  /** Signed change of probability, as text with two decimals ("+0.21", "-0.05"); "0.00" when it rounds to zero. */
  readonly effect: string
  /** The same change as a number, rounded the same way. */
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

export const EFFECT_DECIMALS = 2
const EFFECT_SCALE = 10 ** EFFECT_DECIMALS

/** An effect as reported: rounded to EFFECT_DECIMALS places, never -0. */
export function roundEffect (effect: number): number {
  return Math.round(effect * EFFECT_SCALE) / EFFECT_SCALE + 0
}

/** The text of roundEffect(effect): "+0.21", "-0.05", and "0.00" rather than "-0.00" or "+0.00". */
export function effectText (effect: number): string {
  const rounded = roundEffect(effect)
  if (rounded === 0) return (0).toFixed(EFFECT_DECIMALS)
  return `${rounded > 0 ? '+' : '-'}${Math.abs(rounded).toFixed(EFFECT_DECIMALS)}`
}

/**
 * A rule of the training data that explains a reason about some fields, said once per customer with
 * the first of its fields among the reasons that it explains. Built from the card's data quirks (dataNotes).
 */
export interface DataNote {
  readonly fields: readonly CustomerFieldName[]
  /** Whether the rule explains this customer's reason whose effect, as reported, is `effect`. */
  readonly explains: (c: CustomerInputs, effect: number, reference: ReferenceValues) => boolean
  /** What the training data shows, with its counts (the quirk's finding). */
  readonly finding: string
}

/**
 * The fields each data quirk explains and when, by the quirk ids training writes
 * (src/training/data-quirks.ts; a test checks the committed card has them). Other ids are left out.
 */
const QUIRK_NOTES: Readonly<Record<string, Omit<DataNote, 'finding'>>> = {
  // Always: it is why a listener's probability is near zero even where the effect against a typical
  // customer (who has listened too) rounds to nothing, and why not listening raises it.
  [QUIRK_IDS.listened]: { fields: ['minutesListened', 'completion'], explains: () => true },
  // For a buyer of several books, on the totals: moving a total to "typical" (one book) is what
  // changes the number of books (an average moves with its total, see occlude).
  [QUIRK_IDS.severalBooks]: {
    fields: ['bookLengthTotalMinutes', 'priceTotal'],
    explains: boughtSeveralBooks
  },
  // Only for a non-reviewer sent with a score other than the one non-reviewers carry.
  [QUIRK_IDS.unusualNonReviewerScore]: {
    fields: ['reviewScore'],
    explains: (c, _effect, reference) => hasUnusualNonReviewerScore(c, Number(reference.reviewScore))
  }
}

/** A finding as the second half of a sentence: no final period, a leading capital lowered ("Non-reviewers" -> "non-reviewers"). */
function asClause (finding: string): string {
  const text = finding.trim().replace(/\.$/, '')
  return /^[A-Z][a-z]/.test(text) ? text.charAt(0).toLowerCase() + text.slice(1) : text
}

/** The notes explanations add, from a card's data quirks (none for cards trained before quirks were recorded). */
export function dataNotes (quirks: readonly DataQuirk[]): DataNote[] {
  return quirks.flatMap((quirk) => {
    const known = QUIRK_NOTES[quirk.id]
    return known === undefined ? [] : [{ ...known, finding: asClause(quirk.finding) }]
  })
}

const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits
const typical = (x: number | boolean, digits = 0): string => `typical ${round(Number(x), digits)}`
/** Dollars as people write them: "$9.50", not "$9.5". */
const dollars = (x: number | boolean): string => `$${Number(x).toFixed(2)}`

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
      return `paid ${dollars(c.priceAvg)} per book on average (typical ${dollars(reference.priceAvg)})`
    case 'priceTotal': {
      const books = c.priceAvg > 0 ? Math.round(c.priceTotal / c.priceAvg) : 1
      return `paid ${dollars(c.priceTotal)} in total for ${books > 1 ? `${books} books` : 'one book'}`
    }
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
/**
 * The customer with one field set to its typical value, the other fields kept, except where fields are
 * tied by what they mean: an average moves with its total so the number of books bought stays the same
 * (a one-book customer given the typical average length would otherwise look like a buyer of several
 * books, and the reason would blame the length); a total set to "typical" means one book, the typical
 * customer's count, so it equals the average.
 */
export function occlude (c: CustomerInputs, field: CustomerFieldName, reference: ReferenceValues): CustomerInputs {
  const books = (total: number, average: number): number => (average > 0 ? total / average : 1)
  switch (field) {
    case 'bookLengthAvgMinutes': {
      const avg = Number(reference.bookLengthAvgMinutes)
      return { ...c, bookLengthAvgMinutes: avg, bookLengthTotalMinutes: avg * books(c.bookLengthTotalMinutes, c.bookLengthAvgMinutes) }
    }
    case 'priceAvg': {
      const avg = Number(reference.priceAvg)
      return { ...c, priceAvg: avg, priceTotal: avg * books(c.priceTotal, c.priceAvg) }
    }
    case 'bookLengthTotalMinutes':
      return { ...c, bookLengthTotalMinutes: c.bookLengthAvgMinutes }
    case 'priceTotal':
      return { ...c, priceTotal: c.priceAvg }
    default:
      return { ...c, [field]: reference[field] } as CustomerInputs
  }
}

/** Every customer's occluded copies, CUSTOMER_FIELDS order, customer after customer. */
export function occludedCustomers (customers: readonly CustomerInputs[], reference: ReferenceValues): CustomerInputs[] {
  const out: CustomerInputs[] = []
  for (const c of customers) {
    for (const field of CUSTOMER_FIELDS) out.push(occlude(c, field.name, reference))
  }
  return out
}

/** Top reasons per customer from its probability and the probabilities of its occluded copies. */
export function reasonsFrom (
  customers: readonly CustomerInputs[], probabilities: ArrayLike<number>, occludedProbabilities: ArrayLike<number>, reference: ReferenceValues,
  notes: readonly DataNote[] = []
): Reason[][] {
  const fieldCount = CUSTOMER_FIELDS.length
  return customers.map((c, i) => {
    const p = probabilities[i] as number
    const unsaid = [...notes]
    return CUSTOMER_FIELDS
      .map((field, f) => {
        const effect = p - (occludedProbabilities[i * fieldCount + f] as number)
        const effectValue = roundEffect(effect)
        const explained = notes.some((note) => note.fields.includes(field.name) && note.explains(c, effectValue, reference))
        return { field: field.name, effect, effectValue, explained }
      })
      // Largest reported effect first; among equal ones (most often 0.00 each, for a customer no single
      // field moves) a field the training data explains, then the larger unrounded effect.
      .sort((a, b) => Math.abs(b.effectValue) - Math.abs(a.effectValue) || Number(b.explained) - Number(a.explained) || Math.abs(b.effect) - Math.abs(a.effect))
      .slice(0, REASONS_PER_CUSTOMER)
      .map(({ field, effect, effectValue }) => {
        const k = unsaid.findIndex((note) => note.fields.includes(field) && note.explains(c, effectValue, reference))
        const note = k === -1 ? null : unsaid.splice(k, 1)[0] as DataNote
        const words = describe(field, c, reference)
        return {
          feature: field,
          value: (c as Record<string, number | boolean | null | undefined>)[field] ?? null,
          effect: effectText(effect),
          effectValue,
          text: note === null ? words : `${words}: ${note.finding}`
        }
      })
  })
}
