// The JSON writer of the batch answer. Probabilities are written by the scoring layer's one rule
// (probabilityText), from an integer count of billionths.
//
// The batch answer is written here rather than by fast-json-stringify from the response schema: same
// fields, same order, and test/answer-json.test.ts checks that both give the same JSON value.
import type { ScoredCustomer } from '../scoring/score-customers.js'
import { probabilityText } from '../scoring/reported-probability.js'
import type { TargetingSummary } from '../scoring/targeting.js'

/** A finite number as JSON (String() gives valid JSON for those); anything else as null. */
function formatNumber (x: number): string {
  return Number.isFinite(x) ? String(x) : 'null'
}

export interface BatchAnswer {
  readonly modelVersion: string
  readonly threshold: number
  readonly predictions: readonly ScoredCustomer[]
  readonly targeting?: TargetingSummary | undefined
  readonly errors?: ReadonlyArray<{ index: number, path: string, message: string }> | undefined
}

function writePrediction (p: ScoredCustomer): string {
  let out = '{"probability":' + probabilityText(p.probability) + ',"willBuy":' + (p.willBuy ? 'true' : 'false')
  if (p.index !== undefined) out += ',"index":' + formatNumber(p.index)
  const id = p.customerId
  if (id !== undefined) out += ',"customerId":' + (typeof id === 'number' ? formatNumber(id) : JSON.stringify(id))
  if (p.action !== undefined) out += ',"action":' + JSON.stringify(p.action)
  if (p.expectedProfit !== undefined) out += ',"expectedProfit":' + formatNumber(p.expectedProfit)
  if (p.reasons !== undefined) out += ',"reasons":' + JSON.stringify(p.reasons)
  return out + '}'
}

/** The 200 answer of POST /predict/batch as JSON text (the shape of batchResponses[200]). */
export function serializeBatchAnswer (answer: BatchAnswer): string {
  let out = '{"modelVersion":' + JSON.stringify(answer.modelVersion) + ',"threshold":' + formatNumber(answer.threshold) + ',"predictions":['
  const { predictions } = answer
  for (let i = 0; i < predictions.length; i++) {
    if (i > 0) out += ','
    out += writePrediction(predictions[i] as ScoredCustomer)
  }
  out += ']'
  if (answer.targeting !== undefined) out += ',"targeting":' + JSON.stringify(answer.targeting)
  if (answer.errors !== undefined) out += ',"errors":' + JSON.stringify(answer.errors)
  return out + '}'
}
