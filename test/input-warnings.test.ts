// inputWarnings: each range-checked field, pushed just past either edge of its training range, is
// flagged under its own name (the hot-path mask reads fields by position), and nothing else is.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { DataQuirk, FieldStatistics } from '../src/artefact/model-card.js'
import { inputWarnings, trainingRanges } from '../src/scoring/input-warnings.js'
import { validCustomer } from './helpers/app.js'

// A wide range per field around validCustomer()'s values (which are consistent: no INCONSISTENT).
const RANGES: Record<string, [number, number]> = {
  bookLengthAvgMinutes: [100, 5000],
  bookLengthTotalMinutes: [100, 50_000],
  priceAvg: [1, 100],
  priceTotal: [1, 1000],
  reviewScore: [2, 10],
  completion: [0, 1],
  minutesListened: [0, 20_000],
  supportRequests: [0, 30],
  lastVisitDaysAfterPurchase: [0, 400]
}
const features = Object.entries(RANGES).map(([name, [min, max]]) => ({ name, unit: 'u', min, max }) as unknown as FieldStatistics)
const training = trainingRanges(features)

test('inputWarnings - every range-checked field below and above its range - one OUT_OF_RANGE naming that field', () => {
  assert.equal(inputWarnings(validCustomer(), training), null)
  for (const [field, [min, max]] of Object.entries(RANGES)) {
    for (const value of [min - 0.5, max + 0.5]) {
      if (value < 0 || (field === 'completion' && value > 1)) continue // outside the schema, never scored
      // Moving minutesListened also breaks the listening relation: only OUT_OF_RANGE is looked at here.
      const warnings = (inputWarnings(validCustomer({ [field]: value }), training) ?? []).filter((w) => w.code === 'OUT_OF_RANGE')
      assert.deepEqual(warnings.map((w) => w.field), [field], `${field} = ${value}`)
      assert.match(warnings[0]?.message ?? '', new RegExp(`scored as ${value < min ? min : max}\\.`))
    }
  }
})

test('inputWarnings - a field the card has no statistics for - never out of range', () => {
  const partial = trainingRanges(features.filter((f) => f.name !== 'supportRequests'))
  assert.equal(inputWarnings(validCustomer({ supportRequests: 10_000 }), partial), null)
})

const OPPOSITE_RULES: DataQuirk[] = [
  { id: 'listened-never-bought', finding: 'f', meaning: 'm', group: { customers: 4925, buyers: 0 } },
  { id: 'several-books-bought-again', finding: 'f', meaning: 'm', group: { customers: 548, buyers: 548 } }
]

test('inputWarnings - listened and bought two books, a card whose data never had both - one UNSEEN_COMBINATION', () => {
  const withRules = trainingRanges(features, OPPOSITE_RULES)
  // Consistent listening (completion x total = minutes), two books.
  const both = validCustomer({ bookLengthAvgMinutes: 1000, bookLengthTotalMinutes: 2000, priceAvg: 5, priceTotal: 10, completion: 0.5, minutesListened: 1000 })
  const warnings = inputWarnings(both, withRules) ?? []
  assert.deepEqual(warnings.map((w) => [w.field, w.code]), [['minutesListened', 'UNSEEN_COMBINATION']])
  assert.match(warnings[0]?.message ?? '', /no training customer had both/)
  // Either alone is what the data has seen.
  assert.equal(inputWarnings({ ...both, minutesListened: 0, completion: 0 }, withRules), null)
  assert.equal(inputWarnings({ ...both, bookLengthTotalMinutes: 1000, priceTotal: 5, minutesListened: 500 }, withRules), null)
  // A card without the counts, or whose data had a listener who bought again: no claim is made.
  assert.equal(inputWarnings(both, training), null)
  const seen = OPPOSITE_RULES.map((q) => q.id === 'listened-never-bought' ? { ...q, group: { customers: 4925, buyers: 3 } } : q)
  assert.equal(inputWarnings(both, trainingRanges(features, seen)), null)
})

test('inputWarnings - reviewed false with a score other than the non-reviewers\' one - one INCONSISTENT on reviewScore quoting the training counts', () => {
  const quirks: DataQuirk[] = [{ id: 'non-reviewer-score-bought-again', finding: 'f', meaning: 'm', group: { customers: 172, buyers: 172 } }]
  const withRule = trainingRanges(features, quirks, 8.91)
  const nonReviewer = validCustomer({ reviewed: false, reviewScore: 3 })
  const warnings = inputWarnings(nonReviewer, withRule) ?? []
  assert.deepEqual(warnings.map((w) => [w.field, w.code]), [['reviewScore', 'INCONSISTENT']])
  assert.match(warnings[0]?.message ?? '', /reviewed is false but reviewScore is 3: .* score 8\.91, and the 172 non-reviewers with another score all bought again/)
  // The usual score, no score, or a reviewer: nothing to say.
  assert.equal(inputWarnings({ ...nonReviewer, reviewScore: 8.91 }, withRule), null)
  assert.equal(inputWarnings({ ...nonReviewer, reviewScore: null }, withRule), null)
  assert.equal(inputWarnings({ ...nonReviewer, reviewed: true }, withRule), null)
  // A card without the usual score makes no claim; one trained before quirks were counted warns without counts.
  assert.equal(inputWarnings(nonReviewer, trainingRanges(features, quirks)), null)
  const older = inputWarnings(nonReviewer, trainingRanges(features, [], 8.91)) ?? []
  assert.deepEqual(older.map((w) => [w.field, w.code]), [['reviewScore', 'INCONSISTENT']])
  assert.match(older[0]?.message ?? '', /score 8\.91, so the model may read another score on a non-reviewer as a strong signal\. Send no reviewScore/)
})
