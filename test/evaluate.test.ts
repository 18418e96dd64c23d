// Metrics and the promotion check on small hand-computed examples (each expected value is worked out in
// the comment beside it).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  bestF1Threshold, brierScore, calibrationBins, captureAtTop, expectedCalibrationError, logLoss, mean,
  metricsAtThreshold, prAuc, rocAuc
} from '../src/evaluation/classifier-metrics.js'
import {
  DEFAULT_LOG_LOSS_TOLERANCE, MAX_CALIBRATION_ERROR, hasBothClasses, labelledFileMetrics, promotionRefusals, type LabelledFileMetrics
} from '../src/evaluation/promotion-gate.js'

function assertNear (actual: number, expected: number, tolerance = 1e-12): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `expected ${expected}, got ${actual}`)
}

test('rocAuc - scores [0.1,0.4,0.35,0.8] labels [0,0,1,1] - 0.75', () => {
  // Pairs (positive, negative): (0.35,0.1) win, (0.35,0.4) loss, (0.8,0.1) win, (0.8,0.4) win -> 3/4.
  assert.equal(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.75)
})

test('rocAuc - tied positive and negative - the tie counts one half', () => {
  // Positives 0.5, 0.9; negatives 0.5, 0.2: 0.5 + 1 + 1 + 1 = 3.5 of 4 pairs.
  assert.equal(rocAuc([0.5, 0.5, 0.2, 0.9], [1, 0, 0, 1]), 0.875)
  // All scores tied: every pair is a half.
  assert.equal(rocAuc([0.3, 0.3, 0.3, 0.3, 0.3], [1, 0, 1, 0, 0]), 0.5)
  // Ties among positives only do not matter: 0.7,0.7 both beat 0.1 and lose to 0.9 -> 2 of 4.
  assert.equal(rocAuc([0.7, 0.7, 0.1, 0.9], [1, 1, 0, 0]), 0.5)
})

test('rocAuc - perfect and inverted ranking - 1 and 0', () => {
  assert.equal(rocAuc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]), 1)
  assert.equal(rocAuc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1]), 0)
  assert.equal(rocAuc(new Float32Array([0.25, 0.75]), new Float32Array([0, 1])), 1)
})

test('rocAuc - bad input - throws', () => {
  assert.throws(() => rocAuc([0.1, 0.2], [1, 1]), /both classes/)
  assert.throws(() => rocAuc([0.1, 0.2], [0, 1, 1]), /differ in length/)
  assert.throws(() => rocAuc([], []), /zero examples/)
})

test('prAuc - ranked 1,0,1,0 - average precision 5/6', () => {
  // Recall steps of 1/2 at precision 1/1 and 2/3: 1/2 + 1/3.
  assertNear(prAuc([0.9, 0.8, 0.7, 0.6], [1, 0, 1, 0]), 5 / 6)
})

test('prAuc - tied scores - one step at the precision after the whole tie', () => {
  // 3 positives. 0.9 (pos): 1/3 * 1/1; tie {0.5 pos, 0.5 neg}: 1/3 * 2/3; 0.1 (pos): 1/3 * 3/4 -> 29/36.
  assertNear(prAuc([0.9, 0.5, 0.5, 0.1], [1, 1, 0, 1]), 29 / 36)
})

test('prAuc - perfect ranking and the positive last - 1 and 1/3', () => {
  assert.equal(prAuc([0.9, 0.8, 0.1], [1, 1, 0]), 1)
  assertNear(prAuc([0.9, 0.8, 0.1], [0, 0, 1]), 1 / 3)
  assert.throws(() => prAuc([0.9, 0.8], [0, 0]), /at least one positive/)
})

test('logLoss - two examples - mean negative log likelihood', () => {
  // -(ln 0.9 + ln 0.8) / 2
  assertNear(logLoss([0.9, 0.2], [1, 0]), -(Math.log(0.9) + Math.log(0.8)) / 2)
  assertNear(logLoss([0.9, 0.2], [1, 0]), 0.164252033486018, 1e-12)
})

test('logLoss - certain and wrong - clipped at 1e-7, finite', () => {
  assertNear(logLoss([0], [1]), -Math.log(1e-7), 1e-9) // 16.118
  assertNear(logLoss([1], [0]), -Math.log(1e-7), 1e-6)
  assert.equal(logLoss([1, 0], [1, 0]) < 1e-6, true)
})

test('brierScore - three examples - mean squared error', () => {
  // (0.1^2 + 0.2^2 + 0.6^2) / 3 = 0.41 / 3
  assertNear(brierScore([0.9, 0.2, 0.6], [1, 0, 0]), 0.41 / 3)
  assert.equal(brierScore([1, 0], [1, 0]), 0)
})

test('calibrationBins - 10 bins - counts, mean predicted and observed rate per bin', () => {
  const bins = calibrationBins([0.05, 0.12, 0.18, 0.95, 1.0], [0, 0, 1, 1, 1], 10)
  assert.equal(bins.length, 10)
  assert.deepEqual(bins.map((b) => b.count), [1, 2, 0, 0, 0, 0, 0, 0, 0, 2]) // 1.0 falls in the last bin
  assertNear(bins[1]?.meanPredicted as number, 0.15)
  assert.equal(bins[1]?.observedRate, 0.5)
  assertNear(bins[9]?.meanPredicted as number, 0.975)
  assert.equal(bins[9]?.observedRate, 1)
  assert.deepEqual(bins[2], { lower: 0.2, upper: 0.3, count: 0, meanPredicted: 0, observedRate: 0 })
  assert.equal(bins[0]?.lower, 0)
  assert.equal(bins[9]?.upper, 1)
})

test('calibrationBins - bin edges - lower edge inclusive', () => {
  const bins = calibrationBins([0, 0.1, 0.5, 0.9], [0, 0, 0, 0], 10)
  assert.deepEqual(bins.map((b) => b.count), [1, 1, 0, 0, 0, 1, 0, 0, 0, 1])
})

test('expectedCalibrationError - 10 bins - count-weighted gap', () => {
  // bin 0: 1 * |0.05 - 0| ; bin 1: 2 * |0.15 - 0.5| ; bin 9: 2 * |0.975 - 1| -> (0.05 + 0.7 + 0.05) / 5 = 0.16
  assertNear(expectedCalibrationError([0.05, 0.12, 0.18, 0.95, 1.0], [0, 0, 1, 1, 1], 10), 0.16)
})

test('expectedCalibrationError - calibrated and overconfident - 0 and the gap', () => {
  assertNear(expectedCalibrationError([0.25, 0.25, 0.25, 0.25], [1, 0, 0, 0]), 0)
  // Everyone 0.9 but only half buy: |0.9 - 0.5|.
  assertNear(expectedCalibrationError([0.9, 0.9, 0.9, 0.9], [1, 0, 1, 0]), 0.4)
})

test('metricsAtThreshold - threshold 0.6 - confusion matrix with score >= threshold predicted', () => {
  // Predicted: 0.9 (pos) tp, 0.7 (neg) fp, 0.6 (pos) tp; not predicted: 0.4 (pos) fn, 0.3 and 0.1 tn.
  const m = metricsAtThreshold([0.9, 0.7, 0.6, 0.4, 0.3, 0.1], [1, 0, 1, 1, 0, 0], 0.6)
  assert.deepEqual(m.confusion, { truePositives: 2, falsePositives: 1, trueNegatives: 2, falseNegatives: 1 })
  assert.equal(m.threshold, 0.6)
  assertNear(m.precision, 2 / 3)
  assertNear(m.recall, 2 / 3)
  assertNear(m.f1, 2 / 3)
  assertNear(m.accuracy, 4 / 6)
})

test('metricsAtThreshold - threshold above every score - zero precision, recall and F1, no division error', () => {
  const m = metricsAtThreshold([0.9, 0.7, 0.1], [1, 0, 0], 0.95)
  assert.deepEqual(m.confusion, { truePositives: 0, falsePositives: 0, trueNegatives: 2, falseNegatives: 1 })
  assert.equal(m.precision, 0)
  assert.equal(m.recall, 0)
  assert.equal(m.f1, 0)
  assertNear(m.accuracy, 2 / 3)
})

test('captureAtTop - 20 customers, 4 buyers - top 10% finds 1/4, top 20% finds 2/4', () => {
  // Buyers at score ranks 1, 3, 5 and 12; scores listed out of order.
  const rankOfBuyer = new Set([1, 3, 5, 12])
  const ranks = [7, 1, 15, 12, 3, 20, 9, 5, 2, 18, 4, 11, 6, 13, 8, 19, 10, 14, 16, 17]
  const scores = ranks.map((r) => 1 - r / 100)
  const labels = ranks.map((r) => (rankOfBuyer.has(r) ? 1 : 0))
  assert.equal(captureAtTop(scores, labels, 0.1), 0.25) // ranks 1-2
  assert.equal(captureAtTop(scores, labels, 0.2), 0.5) // ranks 1-4
  assert.equal(captureAtTop(scores, labels, 0.6), 1) // ranks 1-12
})

test('captureAtTop - fraction not a whole count - rounds the count up', () => {
  // 15 customers, 10% -> ceil(1.5) = 2 customers; the buyer is 2nd.
  const scores = Array.from({ length: 15 }, (_, i) => 1 - i / 20)
  const labels = scores.map((_, i) => (i === 1 ? 1 : 0))
  assert.equal(captureAtTop(scores, labels, 0.1), 1)
  assert.throws(() => captureAtTop([0.5], [0], 0.1), /at least one positive/)
})

test('bestF1Threshold - five scores - threshold with the highest F1', () => {
  // 3 positives. >=0.9: F1 1/2; >=0.8: 2/5; >=0.7: 2/3; >=0.6: P 3/4 R 1 -> 6/7; >=0.5: P 3/5 R 1 -> 3/4.
  const best = bestF1Threshold([0.9, 0.8, 0.7, 0.6, 0.5], [1, 0, 1, 1, 0])
  assert.equal(best.threshold, 0.6)
  assertNear(best.f1, 6 / 7)
})

test('bestF1Threshold - two thresholds with equal F1 - keeps the higher one', () => {
  // 2 positives. >=0.9: P 1 R 1/2 -> 2/3; >=0.6: P 1/2 R 1 -> 2/3 as well.
  const best = bestF1Threshold([0.6, 0.7, 0.8, 0.9], [1, 0, 0, 1])
  assert.equal(best.threshold, 0.9)
  assertNear(best.f1, 2 / 3)
})

test('bestF1Threshold - tied scores - never splits a tie', () => {
  // {0.8 pos, 0.8 neg} together: P 1/2 R 1 -> 2/3; adding 0.3 (neg): P 1/3 -> 1/2. Splitting the tie would give 1.
  const best = bestF1Threshold([0.8, 0.3, 0.8], [1, 0, 0])
  assert.equal(best.threshold, 0.8)
  assertNear(best.f1, 2 / 3)
  assert.throws(() => bestF1Threshold([0.1, 0.2], [0, 0]), /at least one positive/)
})

test('mean - four values - 2.5', () => {
  assert.equal(mean([1, 2, 3, 4]), 2.5)
  assert.equal(mean(new Float32Array([0.5, 1.5])), 1)
})

test('labelledFileMetrics - scores [0.1,0.4,0.35,0.8] labels [0,0,1,1] - the figures promote --data prints', () => {
  const m = labelledFileMetrics([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])
  assert.equal(m.rows, 4)
  assert.equal(m.baseRate, 0.5)
  assertNear(m.meanProbability, 0.4125)
  assert.equal(m.rocAuc, 0.75)
  // -(ln 0.9 + ln 0.6 + ln 0.35 + ln 0.8) / 4
  assertNear(m.logLoss, -(Math.log(0.9) + Math.log(0.6) + Math.log(0.35) + Math.log(0.8)) / 4)
  // One score per bin: (|0.1 - 0| + |0.4 - 0| + |0.35 - 1| + |0.8 - 1|) / 4 = 1.35 / 4.
  assertNear(m.calibrationError, 0.3375)
  // ceil(4 x 0.2) = 1 customer, 0.8, a buyer: 1 of 2 buyers.
  assert.equal(m.captureTop20, 0.5)
  assert.throws(() => labelledFileMetrics([0.1, 0.2], [0, 0]), /both classes/)
})

test('hasBothClasses - one class or none - false', () => {
  assert.equal(hasBothClasses([0, 1, 0]), true)
  assert.equal(hasBothClasses([0, 0]), false)
  assert.equal(hasBothClasses([1, 1]), false)
  assert.equal(hasBothClasses([]), false)
})

test('promotionRefusals - log loss beyond the tolerance, calibration above the limit - one reason each; within them none', () => {
  const current: LabelledFileMetrics = { rows: 100, baseRate: 0.16, meanProbability: 0.16, rocAuc: 0.9, logLoss: 0.3, calibrationError: 0.02, captureTop20: 0.7 }
  const rule = { logLossTolerance: DEFAULT_LOG_LOSS_TOLERANCE, maxCalibrationError: MAX_CALIBRATION_ERROR }
  const candidate = (logLoss: number, calibrationError: number): LabelledFileMetrics => ({ ...current, logLoss, calibrationError })
  assert.deepEqual(promotionRefusals(candidate(0.304, 0.05), current, rule), [], 'worse by 0.004 of 0.005 allowed; calibration error at the limit')
  assert.deepEqual(promotionRefusals(candidate(0.25, 0.01), current, rule), [], 'better')
  assert.deepEqual(promotionRefusals(candidate(0.306, 0.02), current, rule), [
    "log loss 0.3060 is worse than the current model's 0.3000 by 0.0060, more than the tolerance 0.005"
  ])
  assert.deepEqual(promotionRefusals(candidate(0.3, 0.051), current, rule), ['calibration error 0.0510 is above 0.05'])
  assert.equal(promotionRefusals(candidate(0.9, 0.2), current, rule).length, 2)
  // No current model: only the calibration limit applies.
  assert.deepEqual(promotionRefusals(candidate(0.9, 0.02), null, rule), [])
  assert.equal(promotionRefusals(candidate(0.9, 0.2), null, rule).length, 1)
  assert.deepEqual(promotionRefusals(candidate(0.306, 0.02), current, { ...rule, logLossTolerance: 0.01 }), [])
})
