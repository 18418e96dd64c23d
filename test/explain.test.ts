// Reason codes: effects agree with what the model does when the field moves to its reference value.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import type { Customer } from '../src/domain/customer.js'
import { CUSTOMER_FIELDS } from '../src/domain/customer.js'
import { dataNotes, effectText, occlude, reasonsFrom, referenceValues, roundEffect, type DataNote, type Reason } from '../src/model/explanations.js'
import type { Predictor } from '../src/model/predictor.js'
import { buildTestApp, loadCommittedPredictor, validCustomer } from './helpers/app.js'
import { generateCustomers } from './helpers/synthetic.js'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { CURRENT_FILE, DEFAULT_MODELS_ROOT } from '../src/artefact/models-root.js'

/** The committed model's imputed review score, which the predictor's reference customer carries. */
function committedImputation (): number {
  const dir = join(DEFAULT_MODELS_ROOT, readFileSync(join(DEFAULT_MODELS_ROOT, CURRENT_FILE), 'utf8').trim())
  return (JSON.parse(readFileSync(join(dir, 'preprocessing.json'), 'utf8')) as { reviewScoreImputation: number }).reviewScoreImputation
}

let predictor: Predictor
let app: FastifyInstance

before(async () => {
  predictor = await loadCommittedPredictor()
  app = await buildTestApp(predictor)
})
after(async () => { await app.close() })

test('explain - 200 synthetic customers - moving the top factor to its reference moves the probability by -effect', async () => {
  const { customers } = generateCustomers(200, 5)
  const probabilities = await predictor.predict(customers)
  const reasons = predictor.explain(customers, probabilities)
  let checked = 0
  for (let i = 0; i < customers.length; i++) {
    const top = reasons[i]?.[0] as Reason
    assert.ok(top !== undefined)
    const moved = occlude(customers[i] as Customer, top.feature, referenceValues(predictor.card.features, committedImputation()))
    const [after] = await predictor.predict([moved])
    const p = probabilities[i] as number
    // The stated direction: a positive effect means the probability falls when the field moves to the reference.
    // effectValue is the change rounded to two decimals.
    assert.ok(Math.abs((p - (after as number)) - top.effectValue) <= 0.005 + 1e-6, `customer ${i}: ${p} -> ${String(after)}, effect ${top.effectValue}`)
    if (Math.abs(top.effectValue) > 0.01) {
      assert.equal(Math.sign(p - (after as number)), Math.sign(top.effectValue))
      checked++
    }
  }
  assert.ok(checked > 50, `enough customers with a visible effect (${checked})`)
})

test('occlude - book length and price - an average moves with its total (books kept), a total set to typical is one book', () => {
  const reference = referenceValues(predictor.card.features, committedImputation())
  const twoBooks = validCustomer({ bookLengthAvgMinutes: 1000, bookLengthTotalMinutes: 2000, priceAvg: 5, priceTotal: 10 })
  const avg = occlude(twoBooks, 'bookLengthAvgMinutes', reference)
  assert.equal(avg.bookLengthAvgMinutes, reference.bookLengthAvgMinutes)
  assert.equal(avg.bookLengthTotalMinutes, 2 * Number(reference.bookLengthAvgMinutes), 'still two books')
  const price = occlude(twoBooks, 'priceAvg', reference)
  assert.equal(price.priceTotal, 2 * Number(reference.priceAvg))
  assert.equal(occlude(twoBooks, 'bookLengthTotalMinutes', reference).bookLengthTotalMinutes, 1000, 'one book')
  assert.equal(occlude(twoBooks, 'priceTotal', reference).priceTotal, 5)
  const other = occlude(twoBooks, 'supportRequests', reference)
  assert.deepEqual({ ...other, supportRequests: twoBooks.supportRequests }, twoBooks, 'any other field alone')
  assert.equal(other.supportRequests, reference.supportRequests)
})

test('POST /predict?explain=true - a one-book customer with long books - no reason blames the length for the book count', async () => {
  // Occluding the average alone once made this customer look like a buyer of two books (total 2160 over
  // a typical average of ~1,600) and blamed the length for -0.87.
  const oneBook = validCustomer({ bookLengthAvgMinutes: 2160, bookLengthTotalMinutes: 2160, priceAvg: 7.99, priceTotal: 7.99, minutesListened: 0, completion: 0, reviewed: false, reviewScore: null })
  const body = (await app.inject({ method: 'POST', url: '/predict?explain=true', payload: oneBook })).json() as { reasons: Reason[] }
  const length = body.reasons.find((r) => r.feature === 'bookLengthAvgMinutes')
  assert.ok(length === undefined || Math.abs(length.effectValue) < 0.3, JSON.stringify(body.reasons))
  for (const r of body.reasons) assert.doesNotMatch(r.text, /bought more than one book/, 'the several-books rule is not this customer\'s')
})

test('explain - reasons - three, sorted by absolute effect, effect text matches the number, never "-0.00"', async () => {
  const { customers } = generateCustomers(200, 9)
  const reasons = predictor.explain(customers, await predictor.predict(customers))
  let zeros = 0
  for (const list of reasons) {
    assert.equal(list.length, 3)
    for (let k = 1; k < list.length; k++) assert.ok(Math.abs((list[k - 1] as Reason).effectValue) >= Math.abs((list[k] as Reason).effectValue))
    for (const r of list) {
      assert.match(r.effect, /^([+-]\d\.\d\d|0\.00)$/)
      assert.notEqual(r.effect, '-0.00')
      assert.notEqual(r.effect, '+0.00')
      assert.equal(Number(r.effect), r.effectValue, 'the number is the text\'s')
      assert.ok(!Object.is(r.effectValue, -0))
      if (r.effectValue === 0) zeros++
      assert.ok(r.text.length > 5)
    }
  }
  assert.ok(zeros > 0, 'the sample holds effects that round to zero (precondition)')
})

test('roundEffect and effectText - tiny, negative, positive - two decimals, a tiny one "0.00" either side', () => {
  assert.deepEqual([-0.0012, 0.0049, -0.0049, 0].map(effectText), ['0.00', '0.00', '0.00', '0.00'])
  assert.deepEqual([-0.0012, -0.0049].map((x) => Object.is(roundEffect(x), -0)), [false, false])
  assert.equal(effectText(0.214), '+0.21')
  assert.equal(effectText(-0.049), '-0.05')
  assert.equal(roundEffect(0.8828104734420776), 0.88)
})

test('dataNotes - the committed card - notes for listening and for several books, the findings as clauses', () => {
  const ids = (predictor.card.dataQuirks ?? []).map((q) => q.id)
  assert.ok(ids.includes('listened-never-bought') && ids.includes('several-books-bought-again'), `card quirks: ${ids.join(', ')}`)
  const notes = dataNotes(predictor.card.dataQuirks ?? [])
  assert.equal(notes.length, ids.length)
  for (const note of notes) {
    assert.doesNotMatch(note.finding, /\.$/, 'no final period inside a reason')
    assert.match(note.finding, /^[a-z0-9]/, 'a clause after a colon')
  }
  assert.deepEqual(dataNotes([{ id: 'something-new', finding: 'x.', meaning: 'y' }]), [])
})

test('reasonsFrom - notes - said once per customer, with the first field they explain; none without notes', () => {
  const customer = validCustomer({ minutesListened: 0, completion: 0 })
  const reference = referenceValues(predictor.card.features, committedImputation())
  const note: DataNote = { fields: ['minutesListened', 'completion'], explains: () => true, finding: 'in the data, listeners never bought' }
  // Effects 0.5 (completion), 0.4 (minutesListened), 0.1 (reviewed); 0 for the rest.
  const occluded = CUSTOMER_FIELDS.map((f) => f.name === 'completion' ? 0.1 : f.name === 'minutesListened' ? 0.2 : f.name === 'reviewed' ? 0.5 : 0.6)
  const [withNote] = reasonsFrom([customer], [0.6], occluded, reference, [note])
  assert.deepEqual(withNote?.map((r) => [r.feature, r.effect]), [['completion', '+0.50'], ['minutesListened', '+0.40'], ['reviewed', '+0.10']])
  assert.equal(withNote?.[0]?.text, 'has not listened to any book yet: in the data, listeners never bought')
  assert.equal(withNote?.[1]?.text, 'has not listened to any minute yet')
  const [plain] = reasonsFrom([customer], [0.6], occluded, reference)
  assert.equal(plain?.[0]?.text, 'has not listened to any book yet')
})

test('reasonsFrom - every effect rounds to zero - a field the training data explains comes first', () => {
  const customer = validCustomer({ minutesListened: 300, completion: 0.2 })
  const reference = referenceValues(predictor.card.features, committedImputation())
  const note: DataNote = { fields: ['completion'], explains: () => true, finding: 'listeners never bought' }
  // Unrounded effects: 0.004 for priceAvg, 0.001 for completion, 0.002 for the rest: all "0.00".
  const occluded = CUSTOMER_FIELDS.map((f) => f.name === 'priceAvg' ? 0.006 : f.name === 'completion' ? 0.009 : 0.008)
  const [reasons] = reasonsFrom([customer], [0.01], occluded, reference, [note])
  assert.deepEqual(reasons?.map((r) => [r.feature, r.effect]), [['completion', '0.00'], ['priceAvg', '0.00'], ['bookLengthAvgMinutes', '0.00']])
  assert.match(reasons?.[0]?.text ?? '', /: listeners never bought$/)
})

test('explain - money in reason texts - dollars and cents ("$9.50", not "$9.5")', () => {
  const reference = referenceValues(predictor.card.features, committedImputation())
  const customer = validCustomer({ priceAvg: 9.5, priceTotal: 9.5 })
  // Only the prices move the probability, so both price reasons are listed.
  const occluded = CUSTOMER_FIELDS.map((f) => f.name === 'priceAvg' ? 0.3 : f.name === 'priceTotal' ? 0.4 : 0.5)
  const texts = reasonsFrom([customer], [0.5], occluded, reference)[0]?.map((r) => r.text) ?? []
  assert.ok(texts.some((t) => /^paid \$9\.50 per book on average \(typical \$\d+\.\d\d\)$/.test(t)), texts.join(' | '))
  assert.ok(texts.some((t) => t === 'paid $9.50 in total for one book'), texts.join(' | '))
})

test('POST /predict?explain=true - a customer who never listened - reasons name minutesListened or completion in plain words', async () => {
  const response = await app.inject({ method: 'POST', url: '/predict?explain=true', payload: validCustomer({ minutesListened: 0, completion: 0 }) })
  assert.equal(response.statusCode, 200)
  const body = response.json() as { reasons: Reason[], probability: number }
  assert.equal(body.reasons.length, 3)
  const listening = body.reasons.find((r) => r.feature === 'minutesListened' || r.feature === 'completion')
  assert.ok(listening !== undefined, JSON.stringify(body.reasons))
  assert.match(listening.text, /has not listened/)
  // Surprising to a reader (not listening raises the probability): the text says what the data shows.
  assert.match(listening.text, /: [\d,]+ of the [\d,]+ customers in the training file had listened to at least one minute; none of them bought again$/)
  assert.ok(listening.effectValue > 0)
  const plain = await app.inject({ method: 'POST', url: '/predict', payload: validCustomer({ minutesListened: 0, completion: 0 }) })
  assert.equal(plain.json().reasons, undefined)
  assert.equal(plain.json().probability, body.probability)
})

test('POST /predict/batch?explain=true - every prediction has reasons; explain=maybe - 400', async () => {
  const customers = generateCustomers(20, 3).customers
  const response = await app.inject({ method: 'POST', url: '/predict/batch?explain=true', payload: { customers } })
  assert.equal(response.statusCode, 200)
  const predictions = response.json().predictions as Array<{ reasons: Reason[] }>
  assert.equal(predictions.length, 20)
  for (const p of predictions) assert.equal(p.reasons.length, 3)
  const bad = await app.inject({ method: 'POST', url: '/predict/batch?explain=maybe', payload: { customers } })
  assert.equal(bad.statusCode, 400)
  assert.match(bad.json().message, /explain/)
})
