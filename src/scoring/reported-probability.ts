// The one rule for the probability an answer reports and the decision taken on it, shared by every
// route, protocol and the file CLI, so the same customer reads the same text everywhere.
//
// Probabilities are given to 9 decimal places: the model computes in float32 (about 7 significant
// digits), so the 17 digits of its double value were noise, and printing them was the most expensive
// part of serializing a batch (every value a fresh number-to-text conversion). Rounded to a count of
// billionths, a probability is written from an integer, the cheap case.

export const PROBABILITY_DECIMALS = 9
const SCALE = 10 ** PROBABILITY_DECIMALS
const ZEROS = '0'.repeat(PROBABILITY_DECIMALS)

/** The probability an answer reports (and decides willBuy with): rounded to PROBABILITY_DECIMALS places. */
export function roundProbability (p: number): number {
  // + 0 turns -0 into 0; the clamp keeps this and probabilityText in agreement for any input.
  return Math.min(1, Math.max(0, Math.round(p * SCALE) / SCALE)) + 0
}

/** willBuy: the reported (rounded) probability against the threshold. */
export function decideWillBuy (reportedProbability: number, threshold: number): boolean {
  return reportedProbability >= threshold
}

/** Below this many billionths (1e-6) JavaScript, hence every JSON answer, writes a number as "1.73e-7". */
const EXPONENT_BELOW_UNITS = 1000

/**
 * Text of roundProbability(p) exactly as a JSON answer writes it, e.g. "0.337859094" or "1.73e-7"; "null"
 * for a value that is not a number. The file CLI writes its cells with it, so a CSV cell and the API's
 * JSON read the same (a fixed-notation "0.000000173" in CSV once differed from the JSON's "1.73e-7").
 */
export function probabilityText (p: number): string {
  if (Number.isNaN(p)) return 'null'
  let units = Math.round(p * SCALE)
  if (units <= 0) return '0'
  if (units >= SCALE) return '1'
  if (units < EXPONENT_BELOW_UNITS) return String(units / SCALE)
  let digits = PROBABILITY_DECIMALS
  while (units % 10 === 0) {
    units /= 10
    digits--
  }
  const text = String(units)
  return '0.' + ZEROS.slice(0, digits - text.length) + text
}
