// The model report: curve points and calibration groups against hand-computed values, the plain-language
// pieces (directions, verdicts, glossary), and the rendered page for both card shapes (cross-fitted and
// older), with no URLs and every card text escaped.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { CUSTOMER_FIELDS, type FieldSpec } from '../src/domain/customer.js'
import { rocAuc } from '../src/evaluation/classifier-metrics.js'
import { createRandom } from '../src/domain/seeded-random.js'
import {
  areaUnderCurve, equalCountCalibration, gainsPoints, rocPoints, scoreHistogram, thinPoints, wilsonInterval
} from '../src/training/report/curves.js'
import { directionPhrase, directionWords, fieldLabel } from '../src/training/report/field-names.js'
import { glossaryTerms } from '../src/training/report/glossary.js'
import { escapeHtml } from '../src/training/report/html.js'
import { renderReport } from '../src/training/report/render-report.js'
import { calibrationVerdict, rankingVerdict, topDrivers } from '../src/training/report/summary.js'
import { IMPORTANCE_WITH_DIRECTION, QUIRKS, handBuiltCard, skewedPredictions, type ReportCard } from './helpers/report-card.js'

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

test('wilsonInterval - hand-computed cases - inside [0, 1], wide for small groups', () => {
  const close = (actual: number, expected: number): void => assert.ok(Math.abs(actual - expected) < 5e-4, `${actual} vs ${expected}`)
  const half = wilsonInterval(5, 10)
  close(half.lower, 0.2366)
  close(half.upper, 0.7634)
  const none = wilsonInterval(0, 10)
  assert.equal(none.lower, 0)
  close(none.upper, 0.2775)
  // Two buyers out of two: the observed rate is 100%, the interval says it may well be a third of that.
  const two = wilsonInterval(2, 2)
  close(two.lower, 0.3424)
  assert.equal(two.upper, 1)
  assert.deepEqual(wilsonInterval(0, 0), { lower: 0, upper: 1 })
})

test('equalCountCalibration - ten customers in 3 groups - sizes 3/4/3 sorted by score, mean and rate per group', () => {
  const scores = [0.9, 0.1, 0.5, 0.2, 0.8, 0.3, 0.7, 0.4, 0.6, 0.05]
  const labels = [1, 0, 1, 0, 1, 0, 0, 1, 0, 0]
  const groups = equalCountCalibration(scores, labels, 3)
  assert.deepEqual(groups.map((g) => g.count), [3, 4, 3])
  assert.deepEqual(groups.map((g) => [g.minScore, g.maxScore]), [[0.05, 0.2], [0.3, 0.6], [0.7, 0.9]])
  assert.deepEqual(groups.map((g) => g.buyers), [0, 2, 2])
  assert.ok(Math.abs((groups[1]?.meanPredicted ?? 0) - 0.45) < 1e-12)
  assert.equal(groups[2]?.observedRate, 2 / 3)
  const interval = wilsonInterval(2, 3)
  assert.equal(groups[2]?.observedLower, interval.lower)
  assert.equal(groups[2]?.observedUpper, interval.upper)
})

test('equalCountCalibration - a few extreme scores among many - no group rests on them alone', () => {
  // 198 customers at low scores and 2 certain-looking buyers: equal-width bins would draw a point at 100% for 2 customers.
  const random = createRandom(11)
  const scores = [...Array.from({ length: 198 }, () => random() * 0.3), 0.97, 0.99]
  const labels = [...scores.slice(0, 198).map((s) => (random() < s ? 1 : 0)), 1, 1]
  const groups = equalCountCalibration(scores, labels, 10)
  assert.ok(groups.every((g) => g.count === 20), 'ten groups of 20')
  const top = groups[9]
  assert.ok(top !== undefined && top.maxScore === 0.99 && top.observedRate < 1, `top group mixes the 2 with 18 others: ${JSON.stringify(top)}`)
  assert.equal(equalCountCalibration([0.2, 0.4], [0, 1], 10).length, 2, 'never more groups than customers')
  assert.throws(() => equalCountCalibration([0.1], [1, 0]), /differ in length/)
})

test('field table - every field - has a short label for chart axes, used instead of the API name', () => {
  for (const field of CUSTOMER_FIELDS as readonly FieldSpec[]) {
    assert.ok(field.label !== undefined && field.label.length <= 40, `${field.name} label: ${field.label}`)
    assert.equal(fieldLabel(field.name), field.label)
  }
  assert.equal(fieldLabel('notAField'), 'notAField')
})

test('directionWords - sign, flag, near zero, missing - words a marketer reads', () => {
  assert.equal(directionWords('lastVisitDaysAfterPurchase', -0.3), 'higher → less likely')
  assert.equal(directionWords('bookLengthTotalMinutes', 0.3), 'higher → more likely')
  assert.equal(directionWords('reviewed', 0.2), 'yes → more likely')
  assert.equal(directionWords('priceAvg', 0.05), 'no clear direction')
  assert.equal(directionWords('priceAvg', undefined), null)
  assert.equal(directionPhrase('minutesListened', -0.62), 'higher → less likely to buy again (a strong link)')
  assert.equal(directionPhrase('minutesListened', undefined), 'direction not recorded for this model')
})

test('rankingVerdict and calibrationVerdict - thresholds - one word each', () => {
  assert.deepEqual([0.95, 0.85, 0.75, 0.65, 0.55].map(rankingVerdict), ['Excellent', 'Good', 'Fair', 'Weak', 'Close to guessing'])
  assert.deepEqual([0.01, 0.03, 0.08, 0.2].map(calibrationVerdict), ['Honest', 'Close', 'Rough', 'Not reliable as percentages'])
})

test('topDrivers - importance list - the three largest real drops, largest first', () => {
  assert.deepEqual(topDrivers(IMPORTANCE_WITH_DIRECTION).map((f) => f.field), ['minutesListened', 'bookLengthTotalMinutes', 'bookLengthAvgMinutes'])
  assert.deepEqual(topDrivers([{ field: 'priceAvg', aucDrop: 0.001 }]), [])
})

test('glossaryTerms - base rate 15.9% - no-skill log loss and Brier worked out', () => {
  const terms = glossaryTerms(0.159)
  assert.match(terms.find((t) => t.id === 'log-loss')?.meaning ?? '', /scores 0\.438 when 15\.9% buy/)
  assert.match(terms.find((t) => t.id === 'brier')?.meaning ?? '', /scores 0\.134 when 15\.9% buy/)
})

test('escapeHtml - markup and quotes - entities', () => {
  assert.equal(escapeHtml('<a href="x">\'&\'</a>'), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;')
})

type Rendered = { html: string, card: ReportCard, test: ReturnType<typeof skewedPredictions> }
/** The default cross-validated render, made once: six tests read it, and each render runs vega. */
let defaultRender: Promise<Rendered> | undefined

/** Renders a card of `kind` from seeded predictions (the default cross-validated one shared, read only). */
async function render (kind: 'cross-validated' | 'validation', overrides: Partial<ReportCard> = {}, testRows = 800): Promise<Rendered> {
  if (kind === 'cross-validated' && Object.keys(overrides).length === 0 && testRows === 800) return await (defaultRender ??= renderFresh(kind))
  return await renderFresh(kind, overrides, testRows)
}

async function renderFresh (kind: 'cross-validated' | 'validation', overrides: Partial<ReportCard> = {}, testRows = 800): Promise<{ html: string, card: ReportCard, test: ReturnType<typeof skewedPredictions> }> {
  const test = skewedPredictions(testRows, 5)
  const card = handBuiltCard(kind, test, skewedPredictions(3000, 6), overrides)
  return { html: await renderReport({ card, testScores: test.scores, testLabels: test.labels }), card, test }
}

/** The HTML of the element with `id` up to its closing tag (no nesting of the same tag inside). */
function element (html: string, tag: string, id: string): string {
  return new RegExp(`<${tag} id="${id}"[\\s\\S]*?</${tag}>`).exec(html)?.[0] ?? ''
}

const textOf = (html: string): string => html.replace(/<[^>]+>/g, '')

test('renderReport - cross-validated card - one page with the 5 charts, the tables and the card facts', async () => {
  const { html, card, test: predictions } = await render('cross-validated')

  assert.match(html, /^<!doctype html>/)
  const svgs = html.match(/<svg[\s>][\s\S]*?<\/svg>/g) ?? []
  assert.equal(svgs.length, 5, 'five charts')
  for (const svg of svgs) {
    assert.match(svg, /<path /, 'every chart draws marks')
    assert.match(svg, /^<svg role="img" aria-label="[^"]{20,}"/, 'every chart has alt text')
  }
  for (const id of ['roc', 'calibration', 'gains', 'distribution', 'importance']) assert.match(html, new RegExp(`<figure id="${id}"( class="wide")?>\\s*<svg`), id)
  assert.ok(html.includes(`ROC curve (AUC ${rocAuc(predictions.scores, predictions.labels).toFixed(3)})`), 'AUC in the ROC title')
  const testMetrics = card.metrics.test
  assert.ok(html.includes(`top 10%: ${(testMetrics.captureTop10 * 100).toFixed(1)}% of buyers (lift ${(testMetrics.captureTop10 / 0.1).toFixed(1)}x)`), 'gains marks agree with the card')
  assert.ok(html.includes(`top 20%: ${(testMetrics.captureTop20 * 100).toFixed(1)}% of buyers`))
  assert.match(html, /threshold 0\.400/)

  const table = element(html, 'table', 'metrics')
  for (const name of ['Customers', 'ROC AUC', 'PR AUC', 'Log loss', 'Brier score', 'Expected calibration error', 'Mean probability vs base rate',
    'Buyers captured in top 10%', 'Buyers captured in top 20%', 'Precision at threshold', 'Recall at threshold', 'F1 at threshold',
    'Accuracy at threshold', 'Balanced-sample accuracy']) {
    assert.match(table, new RegExp(`<th scope="row">(<a href="#term-[a-z-]+">)?${name.replace(/[()%]/g, '\\$&')}(</a>)?</th>`), name)
  }
  assert.ok(table.includes(`<td class="num">${testMetrics.rocAuc.toFixed(4)}</td>`))
  assert.ok(table.includes(`<td class="num">${testMetrics.brierScore.toFixed(4)}</td>`))
  assert.ok(html.includes(`<td class="num">${testMetrics.atThreshold.confusion.truePositives}</td>`), 'confusion matrix')
  for (const fact of [card.version, card.createdAt, '3,800 customers used', 'fixed for the test', '3,000 train (cross-fitted in 5 folds) / 800 test']) assert.ok(html.includes(fact), fact)

  assert.doesNotMatch(html, /https?:\/\//i, 'no URL of any kind: the page must display offline')
  assert.doesNotMatch(html, /<script/i)
  assert.doesNotMatch(html, /<(link|img|iframe)\b[^>]*\b(src|href)="(?!data:)/i, 'no external resources')
  assert.doesNotMatch(html, /@import|url\((?!#)/i, 'only same-document references such as clip paths')
  for (const href of html.match(/href="#[^"]+"/g) ?? []) assert.ok(html.includes(`id="${href.slice(7, -1)}"`), `${href} points at an element of the page`)
  assert.doesNotMatch(textOf(html), /undefined|NaN|\[object/, 'no missing figure leaks into the text')
})

test('renderReport - cross-validated card - plain-language summary first: what, how good in words and numbers, drivers with direction', async () => {
  const { html, card } = await render('cross-validated')
  const summary = element(html, 'section', 'summary')
  const test = card.metrics.test
  assert.ok(summary !== '' && html.indexOf(summary) < html.indexOf('<section id="charts"'), 'the summary comes before the charts')
  const text = textOf(summary).replace(/\s+/g, ' ')
  assert.match(text, /What it predicts: for each customer, the chance of buying another audiobook within the next 6 months/)
  assert.match(text, /flagged “?willBuy/)
  assert.ok(text.includes(`Ranking (ROC AUC) ${test.rocAuc.toFixed(3)} ${rankingVerdict(test.rocAuc)}`), 'ranking: number and word')
  assert.ok(text.includes(`Of the 20% of customers the model ranks highest, ${(test.captureTop20 * 100).toFixed(1)}% of all buyers`), 'capture in words')
  assert.ok(text.includes(`Honesty of probabilities (calibration error) ${test.expectedCalibrationError.toFixed(3)} ${calibrationVerdict(test.expectedCalibrationError)}`), 'calibration: number and word')
  assert.ok(text.includes('ROC AUC 0.905 ± 0.012 per fold'), 'fold spread in words')
  assert.match(text, /What drives it Minutes listened: higher → less likely to buy again \(a strong link\)/)
  assert.match(text, /Total length of books bought: higher → more likely to buy again\./)
  assert.match(summary, /<a href="#quirks">/, 'points to the data quirks')
  assert.match(summary, /<h2 id="summary-title">/)
})

test('renderReport - cross-validated card - quirks stated, out-of-fold and per-fold columns instead of validation', async () => {
  const { html, card } = await render('cross-validated')
  const quirks = element(html, 'section', 'quirks')
  for (const q of QUIRKS) {
    assert.ok(quirks.includes(escapeHtml(q.finding)), q.id)
    assert.ok(quirks.includes(escapeHtml(q.meaning)), q.id)
  }
  const table = element(html, 'table', 'metrics')
  assert.match(table, /<th scope="col" class="num">Out-of-fold \(5 folds\)<\/th><th scope="col" class="num">Per fold, mean ± std<\/th>/)
  assert.doesNotMatch(table, />Validation</)
  const oof = card.metrics.crossValidation?.outOfFold
  assert.ok(oof !== undefined && table.includes(`<td class="num">${oof.rocAuc.toFixed(4)}</td><td class="num">0.9051 ± 0.0123</td>`), 'ROC AUC out of fold and per fold')
  assert.ok(table.includes('<td class="num">0.0211 ± 0.0045</td>'), 'ECE per fold')
  assert.ok(html.includes('Out-of-fold, all 3,000 training customers'), 'out-of-fold confusion matrix')
})

test('renderReport - cross-validated card - fields by human name with size and direction, in the chart and the table', async () => {
  const { html } = await render('cross-validated')
  const chart = element(html, 'figure', 'importance')
  for (const f of IMPORTANCE_WITH_DIRECTION) {
    const label = escapeHtml(fieldLabel(f.field))
    assert.ok(chart.includes(`>${label}</text>`), `${f.field} by its label in the chart`)
    assert.ok(!chart.includes(`>${f.field}</text>`), `${f.field} not by its API name`)
  }
  assert.ok(chart.includes('>0.247  higher → less likely</text>'), 'size and direction on the bar')
  assert.ok(chart.includes('>higher / yes → less likely</text>'), 'colour legend')
  const fields = element(html, 'table', 'fields')
  assert.match(fields, /<th scope="row">Minutes listened<\/th><td class="meaning">Total minutes listened\.<\/td><td><code>minutesListened<\/code><\/td><td class="num">0\.247<\/td><td class="direction"><span class="nowrap">higher → less likely<\/span> <span class="rho">\(ρ -0\.62\)<\/span><\/td>/)
  assert.match(fields, /<th scope="row">Left a review<\/th>.*yes → more likely/)
})

test('renderReport - calibration - equal groups with 95% intervals, never a point for a handful of customers', async () => {
  const { html } = await render('cross-validated')
  const figure = element(html, 'figure', 'calibration')
  // 800 test customers: 10 groups of 80 (at least 80 each, at most 20 groups).
  assert.match(figure, /aria-label="Calibration of the test split in 10 groups of 80 customers: predicted/)
  assert.match(figure, /cut into 10 equal groups of about 80 customers/)
  assert.equal((figure.match(/95% interval/g) ?? []).length, 11, 'an interval per group in the alt text, and the caption')
  assert.ok((figure.match(/class="mark-rule/g) ?? []).length >= 1, 'interval bars drawn')
  const small = await render('cross-validated', {}, 120)
  assert.match(element(small.html, 'figure', 'calibration'), /in 1 group of 120 customers/)
})

test('renderReport - glossary - every figure on the page explained', async () => {
  const { html } = await render('cross-validated')
  const glossary = element(html, 'section', 'glossary')
  assert.match(glossary, /<h2 id="glossary-title">Glossary<\/h2>/)
  for (const term of ['ROC AUC', 'PR AUC', 'Calibration error (ECE', 'Log loss', 'Brier score', 'Capture at top 20%', 'Decision threshold, precision, recall and F1', 'Base rate', 'Direction', 'Test customers, out-of-fold and per fold']) {
    assert.match(glossary, new RegExp(`<dt id="term-[a-z-]+"><dfn>${term.replace(/[()%]/g, '\\$&')}`), term)
  }
})

test('renderReport - older card with a validation split - validation column, no quirks, no directions, nothing undefined', async () => {
  const { html, card } = await render('validation')
  const table = element(html, 'table', 'metrics')
  assert.match(table, /<th scope="col" class="num">Test<\/th><th scope="col" class="num">Validation<\/th><th scope="col">How to read it<\/th>/)
  assert.ok(table.includes(`<td class="num">${card.metrics.validation?.rocAuc.toFixed(4) ?? 'missing'}</td>`))
  assert.doesNotMatch(html, /id="quirks"|may surprise you|href="#quirks"/, 'no quirks section or link when the card has none')
  assert.doesNotMatch(table, /Per fold|Out-of-fold/)
  assert.ok(html.includes('Validation split (3,000 customers)'))
  assert.ok(html.includes('12,800 customers used, 0 skipped; split 9,000 train / 3,000 validation / 800 test'))
  const summary = textOf(element(html, 'section', 'summary'))
  assert.match(summary, /does not record which way each field pulls/)
  assert.doesNotMatch(summary, /likely to buy again/)
  assert.doesNotMatch(element(html, 'figure', 'importance'), /→|legend/)
  assert.doesNotMatch(element(html, 'table', 'fields'), /Direction/)
  assert.doesNotMatch(textOf(html), /undefined|NaN|\[object/)
})

test('renderReport - card with neither validation nor cross-validation - test column only, one confusion matrix', async () => {
  const { html } = await render('validation', { metrics: { test: handBuiltCard('validation', skewedPredictions(800, 5), skewedPredictions(100, 6)).metrics.test } })
  assert.match(element(html, 'table', 'metrics'), /<th scope="col" class="num">Test<\/th><th scope="col">How to read it<\/th>/)
  assert.equal((html.match(/<table class="confusion-matrix">/g) ?? []).length, 1)
})

test('renderReport - same input twice - byte-identical (the artefact checksums it)', async () => {
  const predictions = skewedPredictions(300, 8)
  const card = handBuiltCard('cross-validated', predictions, skewedPredictions(300, 9))
  const input = { card, testScores: predictions.scores, testLabels: predictions.labels }
  assert.equal(await renderReport(input), await renderReport(input))
})

test('renderReport - markup in card text, field names and quirks - escaped, never markup', async () => {
  const { html } = await render('cross-validated', {
    description: '<img src=x onerror=alert(1)> & "quotes"',
    thresholdMethod: '</dd><script>alert(2)</script>',
    featureImportance: [{ field: '<script>alert(3)</script>', aucDrop: 0.1, direction: 0.5 }, { field: 'ok', aucDrop: 0.05 }],
    dataQuirks: [{ id: '"><script>', finding: '<b>4</b> & more', meaning: '<iframe>' }]
  })
  assert.doesNotMatch(html, /<script|<img|<iframe|<b>/i)
  assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot;'))
  assert.ok(html.includes('&lt;/dd&gt;&lt;script&gt;alert(2)&lt;/script&gt;'))
  assert.ok(html.includes('&lt;script&gt;alert(3)&lt;/script&gt;'), 'field names are escaped inside the SVG too')
  assert.ok(html.includes('&lt;b&gt;4&lt;/b&gt; &amp; more'), 'quirks are escaped')
})
