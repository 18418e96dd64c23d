// The model report: curve points against hand-computed values, and the rendered page (charts, table, no URLs, escaping).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { rocAuc } from '../src/evaluation/classifier-metrics.js'
import { createRandom } from '../src/domain/seeded-random.js'
import { areaUnderCurve, gainsPoints, rocPoints, scoreHistogram, thinPoints } from '../src/training/report/curves.js'
import { escapeHtml } from '../src/training/report/html.js'
import { renderReport } from '../src/training/report/render-report.js'
import { syntheticCard, syntheticPredictions } from './helpers/report.js'

// Five customers, best score first: buyer, non-buyer, buyer, buyer, non-buyer (3 buyers, 2 non-buyers).
const SCORES = new Float32Array([0.5, 0.9, 0.6, 0.8, 0.7])
const LABELS = [0, 1, 1, 0, 1]

const rocAsXy = (points: ReturnType<typeof rocPoints>): Array<{ x: number, y: number }> =>
  points.map((p) => ({ x: p.falsePositiveRate, y: p.truePositiveRate }))

test('rocPoints - five distinct scores - one point per score from (0, 0) to (1, 1)', () => {
  assert.deepEqual(rocPoints(SCORES, LABELS), [
    { falsePositiveRate: 0, truePositiveRate: 0 },
    { falsePositiveRate: 0, truePositiveRate: 1 / 3 }, // 0.9 buyer
    { falsePositiveRate: 0.5, truePositiveRate: 1 / 3 }, // 0.8 non-buyer
    { falsePositiveRate: 0.5, truePositiveRate: 2 / 3 }, // 0.7 buyer
    { falsePositiveRate: 0.5, truePositiveRate: 1 }, // 0.6 buyer
    { falsePositiveRate: 1, truePositiveRate: 1 } // 0.5 non-buyer
  ])
  // 4 of the 6 buyer/non-buyer pairs are ordered correctly.
  assert.equal(areaUnderCurve(rocAsXy(rocPoints(SCORES, LABELS))), 4 / 6)
})

test('rocPoints - tied scores - one diagonal step, area counts the tie as one half', () => {
  const scores = [0.8, 0.8, 0.3]
  const labels = [1, 0, 0]
  assert.deepEqual(rocPoints(scores, labels), [
    { falsePositiveRate: 0, truePositiveRate: 0 },
    { falsePositiveRate: 0.5, truePositiveRate: 1 },
    { falsePositiveRate: 1, truePositiveRate: 1 }
  ])
  assert.equal(areaUnderCurve(rocAsXy(rocPoints(scores, labels))), 0.75)
  assert.equal(rocAuc(scores, labels), 0.75)
})

test('rocPoints - seeded scores with many ties - area equals rocAuc', () => {
  const random = createRandom(3)
  const scores = Array.from({ length: 500 }, () => Math.round(random() * 20) / 20)
  const labels = scores.map((s) => (random() < s ? 1 : 0))
  const area = areaUnderCurve(rocAsXy(rocPoints(scores, labels)))
  assert.ok(Math.abs(area - rocAuc(scores, labels)) < 1e-12, `${area} vs ${rocAuc(scores, labels)}`)
})

test('rocPoints - bad input - throws naming the problem', () => {
  assert.throws(() => rocPoints([0.1, 0.2], [1]), /differ in length/)
  assert.throws(() => rocPoints([], []), /zero examples/)
  assert.throws(() => rocPoints([0.1, 0.2], [1, 1]), /both classes/)
})

test('gainsPoints - five distinct scores - contacted share vs captured share of buyers', () => {
  assert.deepEqual(gainsPoints(SCORES, LABELS), [
    { contactedShare: 0, capturedShare: 0 },
    { contactedShare: 0.2, capturedShare: 1 / 3 },
    { contactedShare: 0.4, capturedShare: 1 / 3 },
    { contactedShare: 0.6, capturedShare: 2 / 3 },
    { contactedShare: 0.8, capturedShare: 1 },
    { contactedShare: 1, capturedShare: 1 }
  ])
})

test('gainsPoints - tied scores - the tied group is contacted together', () => {
  assert.deepEqual(gainsPoints([0.3, 0.9, 0.9, 0.1], [1, 0, 1, 0]), [
    { contactedShare: 0, capturedShare: 0 },
    { contactedShare: 0.5, capturedShare: 0.5 },
    { contactedShare: 0.75, capturedShare: 1 },
    { contactedShare: 1, capturedShare: 1 }
  ])
  assert.throws(() => gainsPoints([0.1], [0]), /at least one buyer/)
})

test('scoreHistogram - four bins - counts and shares per class, 1.0 in the last bin', () => {
  const bins = scoreHistogram([0.05, 0.1, 0.55, 1, 0.3], [0, 1, 1, 0, 0], 4)
  assert.deepEqual(bins, [
    { lower: 0, upper: 0.25, buyers: 1, nonBuyers: 1, buyersShare: 0.5, nonBuyersShare: 1 / 3 },
    { lower: 0.25, upper: 0.5, buyers: 0, nonBuyers: 1, buyersShare: 0, nonBuyersShare: 1 / 3 },
    { lower: 0.5, upper: 0.75, buyers: 1, nonBuyers: 0, buyersShare: 0.5, nonBuyersShare: 0 },
    { lower: 0.75, upper: 1, buyers: 0, nonBuyers: 1, buyersShare: 0, nonBuyersShare: 1 / 3 }
  ])
})

test('thinPoints - more points than allowed - evenly spaced, first and last kept', () => {
  const points = Array.from({ length: 10 }, (_, i) => i)
  assert.deepEqual(thinPoints(points, 4), [0, 3, 6, 9])
  assert.deepEqual(thinPoints(points, 5), [0, 2, 5, 7, 9])
  assert.deepEqual(thinPoints(points, 20), points)
})

test('escapeHtml - markup and quotes - entities', () => {
  assert.equal(escapeHtml('<a href="x">\'&\'</a>'), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;')
})

test('renderReport - synthetic card - one page with the 5 charts, the metrics table and the card facts', async () => {
  const predictions = syntheticPredictions(800, 5)
  const card = syntheticCard(predictions)
  const html = await renderReport({ card, testScores: predictions.scores, testLabels: predictions.labels })

  assert.match(html, /^<!doctype html>/)
  const svgs = html.match(/<svg[\s>][\s\S]*?<\/svg>/g) ?? []
  assert.equal(svgs.length, 5, 'five charts')
  for (const svg of svgs) assert.match(svg, /<path /, 'every chart draws marks')
  for (const id of ['roc', 'calibration', 'gains', 'distribution', 'importance']) assert.match(html, new RegExp(`<figure id="${id}">\\s*<svg`), id)
  assert.ok(html.includes(`ROC curve (AUC ${rocAuc(predictions.scores, predictions.labels).toFixed(3)})`), 'AUC in the ROC title')
  const testMetrics = card.metrics.test
  assert.ok(html.includes(`top 10%: ${(testMetrics.captureTop10 * 100).toFixed(1)}% of buyers (lift ${(testMetrics.captureTop10 / 0.1).toFixed(1)}x)`), 'gains marks agree with the card')
  assert.ok(html.includes(`top 20%: ${(testMetrics.captureTop20 * 100).toFixed(1)}% of buyers`))
  assert.match(html, /threshold 0\.400/)
  for (const f of card.featureImportance) assert.ok(html.includes(`>${f.field}</text>`), f.field)

  const table = /<table id="metrics">[\s\S]*?<\/table>/.exec(html)?.[0] ?? ''
  for (const name of ['ROC AUC', 'PR AUC', 'Log loss', 'Brier score', 'Expected calibration error', 'Mean probability vs base rate',
    'Buyers captured in top 10%', 'Buyers captured in top 20%', 'Precision at threshold', 'Recall at threshold', 'F1 at threshold',
    'Accuracy at threshold', 'Balanced-sample accuracy']) {
    assert.ok(table.includes(`<th scope="row">${name}</th>`), name)
  }
  assert.ok(table.includes(`<td class="num">${testMetrics.rocAuc.toFixed(4)}</td>`))
  assert.ok(table.includes(`<td class="num">${testMetrics.brierScore.toFixed(4)}</td>`))
  assert.ok(html.includes(`<td class="num">${testMetrics.atThreshold.confusion.truePositives}</td>`), 'confusion matrix')
  for (const fact of [card.version, card.createdAt, '4,000 customers used', 'fixed for the test']) assert.ok(html.includes(fact), fact)

  assert.doesNotMatch(html, /https?:\/\//i, 'no URL of any kind: the page must display offline')
  assert.doesNotMatch(html, /<script/i)
  assert.doesNotMatch(html, /<(link|img|iframe)\b[^>]*\b(src|href)="(?!data:)/i, 'no external resources')
  assert.doesNotMatch(html, /@import|url\((?!#)/i, 'only same-document references such as clip paths')
})

test('renderReport - same input twice - byte-identical (the artefact checksums it)', async () => {
  const predictions = syntheticPredictions(300, 8)
  const card = syntheticCard(predictions)
  const input = { card, testScores: predictions.scores, testLabels: predictions.labels }
  assert.equal(await renderReport(input), await renderReport(input))
})

test('renderReport - markup in card text and field names - escaped, never markup', async () => {
  const predictions = syntheticPredictions(200, 9)
  const card = syntheticCard(predictions, {
    description: '<img src=x onerror=alert(1)> & "quotes"',
    thresholdMethod: '</dd><script>alert(2)</script>',
    featureImportance: [{ field: '<script>alert(3)</script>', aucDrop: 0.1 }, { field: 'ok', aucDrop: 0.05 }]
  })
  const html = await renderReport({ card, testScores: predictions.scores, testLabels: predictions.labels })
  assert.doesNotMatch(html, /<script|<img/i)
  assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot;'))
  assert.ok(html.includes('&lt;/dd&gt;&lt;script&gt;alert(2)&lt;/script&gt;'))
  assert.ok(html.includes('&lt;script&gt;alert(3)&lt;/script&gt;'), 'field names are escaped inside the SVG too')
})
