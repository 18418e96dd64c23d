// How probabilities are written in answers, and the JSON writer of the batch answer.
//
// Probabilities are given to 9 decimal places: the model computes in float32 (about 7 significant
// digits), so the 17 digits of its double value were noise, and printing them was the most expensive
// part of serializing a batch (every value a fresh number-to-text conversion). Rounded to a count of
// billionths, a probability is written from an integer, the cheap case.
//
// The batch answer is written here rather than by fast-json-stringify from the response schema: same
// fields, same order, and test/answer-json.test.ts checks that both give the same JSON value.
import type { Reason } from '../model/explanations.js'
import type { TargetingSummary } from '../scoring/targeting.js'

export const PROBABILITY_DECIMALS = 9
const SCALE = 10 ** PROBABILITY_DECIMALS
const ZEROS = '0'.repeat(PROBABILITY_DECIMALS)

/** The probability an answer reports (and decides willBuy with): rounded to PROBABILITY_DECIMALS places. */
export function roundProbability (p: number): number {
  // + 0 turns -0 into 0; the clamp keeps this and formatProbability in agreement for any input.
  return Math.min(1, Math.max(0, Math.round(p * SCALE) / SCALE)) + 0
}

/** JSON text of roundProbability(p), e.g. "0.337859094"; "null" for a value that is not a number. */
export function formatProbability (p: number): string {
  if (Number.isNaN(p)) return 'null'
  let units = Math.round(p * SCALE)
  if (units <= 0) return '0'
  if (units >= SCALE) return '1'
  let digits = PROBABILITY_DECIMALS
  while (units % 10 === 0) {
    units /= 10
    digits--
  }
  const text = String(units)
  return '0.' + ZEROS.slice(0, digits - text.length) + text
}

/** A finite number as JSON (String() gives valid JSON for those); anything else as null. */
function formatNumber (x: number): string {
  return Number.isFinite(x) ? String(x) : 'null'
}

export interface BatchPrediction {
  customerId: string | number | undefined
  probability: number
  willBuy: boolean
  index?: number | undefined
  action?: string | undefined
  expectedProfit?: number | undefined
  reasons?: Reason[] | undefined
}

export interface BatchAnswer {
  readonly modelVersion: string
  readonly threshold: number
  readonly predictions: readonly BatchPrediction[]
  readonly targeting?: TargetingSummary | undefined
  readonly errors?: ReadonlyArray<{ index: number, path: string, message: string }> | undefined
}

function writePrediction (p: BatchPrediction): string {
  let out = '{"probability":' + formatProbability(p.probability) + ',"willBuy":' + (p.willBuy ? 'true' : 'false')
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
    out += writePrediction(predictions[i] as BatchPrediction)
  }
  out += ']'
  if (answer.targeting !== undefined) out += ',"targeting":' + JSON.stringify(answer.targeting)
  if (answer.errors !== undefined) out += ',"errors":' + JSON.stringify(answer.errors)
  return out + '}'
}
