// The model report: one self-contained HTML page (inline SVG charts and CSS, no scripts, no URLs) written
// into the artefact as report.html at training time and served by GET /model/report.
import { captureAtTop, metricsAtThreshold, rocAuc } from '../../evaluation/classifier-metrics.js'
import type { EvaluationMetrics, ModelCard } from '../../artefact/model-card.js'
import {
  FONT_STACK, calibrationChartSpec, featureImportanceChartSpec, gainsChartSpec, renderSvg, rocChartSpec, scoreDistributionChartSpec
} from './charts.js'
import { gainsPoints, rocPoints, scoreHistogram, thinPoints } from './curves.js'
import { count, escapeHtml, fixed, percent } from './html.js'

export interface ReportInput {
  readonly card: Omit<ModelCard, 'files'>
  /** Test-split probabilities and labels (1 = bought again), same order. */
  readonly testScores: Float32Array
  readonly testLabels: readonly number[]
}

/** Curves keep at most this many points: the same picture as thousands of customers, a smaller page. */
const MAX_CURVE_POINTS = 600
const HISTOGRAM_BINS = 20
const GAINS_MARKS = [0.1, 0.2]

interface Figure {
  readonly id: string
  readonly svg: string
  readonly caption: string
}

interface MetricRow {
  readonly name: string
  readonly value: (m: EvaluationMetrics) => string
  readonly reading: string
}

const METRIC_ROWS: readonly MetricRow[] = [
  { name: 'Customers', value: (m) => count(m.rows), reading: 'size of the split' },
  { name: 'ROC AUC', value: (m) => fixed(m.rocAuc, 4), reading: 'chance that a random buyer scores above a random non-buyer (0.5 = random)' },
  { name: 'PR AUC', value: (m) => fixed(m.prAuc, 4), reading: 'average precision over all thresholds (random = the base rate)' },
  { name: 'Log loss', value: (m) => fixed(m.logLoss, 4), reading: 'mean negative log-likelihood of the outcomes (lower is better)' },
  { name: 'Brier score', value: (m) => fixed(m.brierScore, 4), reading: 'mean squared error of the probabilities (lower is better)' },
  { name: 'Expected calibration error', value: (m) => fixed(m.expectedCalibrationError, 4), reading: 'count-weighted gap between predicted and observed rates over 10 bins' },
  { name: 'Mean probability vs base rate', value: (m) => `${percent(m.meanProbability)} vs ${percent(m.baseRate)}`, reading: 'calibrated probabilities average to the share of buyers' },
  { name: 'Buyers captured in top 10%', value: (m) => percent(m.captureTop10), reading: 'share of all buyers among the 10% highest-scored customers (random = 10%)' },
  { name: 'Buyers captured in top 20%', value: (m) => percent(m.captureTop20), reading: 'same for the top 20% (random = 20%)' },
  { name: 'Precision at threshold', value: (m) => percent(m.atThreshold.precision), reading: 'share of customers flagged willBuy who bought again' },
  { name: 'Recall at threshold', value: (m) => percent(m.atThreshold.recall), reading: 'share of buyers flagged willBuy' },
  { name: 'F1 at threshold', value: (m) => fixed(m.atThreshold.f1, 3), reading: 'harmonic mean of precision and recall' },
  { name: 'Accuracy at threshold', value: (m) => percent(m.atThreshold.accuracy), reading: 'share of customers classified correctly (dominated by the non-buyers)' },
  { name: 'Balanced-sample accuracy', value: (m) => percent(m.balancedSampleAccuracy), reading: 'accuracy on equal numbers of buyers and non-buyers, deciding at p >= the training base rate' }
]

const STYLE = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f8fafc; color: #0f172a; font: 15px/1.5 ${FONT_STACK}; }
main { max-width: 1280px; margin: 0 auto; padding: 24px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 32px 0 12px; }
p.lead { margin: 0 0 16px; color: #334155; max-width: 80ch; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; padding: 16px; background: white; border: 1px solid #e2e8f0; border-radius: 8px; }
dl.facts dt { font-weight: 600; color: #334155; }
dl.facts dd { margin: 0; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 16px; }
figure { margin: 0; padding: 12px; background: white; border: 1px solid #e2e8f0; border-radius: 8px; }
figure svg { display: block; max-width: 100%; height: auto; }
figcaption { margin-top: 8px; font-size: 13px; color: #475569; }
table { border-collapse: collapse; background: white; border: 1px solid #e2e8f0; }
th, td { padding: 6px 12px; border-bottom: 1px solid #e2e8f0; text-align: left; vertical-align: top; }
thead th { background: #f1f5f9; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.reading { color: #475569; font-size: 13px; }
.confusion { display: flex; flex-wrap: wrap; gap: 24px; }
.confusion caption { text-align: left; font-weight: 600; padding: 4px 0; }
footer { margin-top: 32px; font-size: 13px; color: #64748b; }
code { font-size: 13px; }
`

function confusionTable (title: string, m: EvaluationMetrics): string {
  const c = m.atThreshold.confusion
  return `<table class="confusion-matrix">
<caption>${escapeHtml(title)}</caption>
<thead><tr><th></th><th>predicted willBuy</th><th>predicted not</th></tr></thead>
<tbody>
<tr><th>bought again</th><td class="num">${count(c.truePositives)}</td><td class="num">${count(c.falseNegatives)}</td></tr>
<tr><th>did not</th><td class="num">${count(c.falsePositives)}</td><td class="num">${count(c.trueNegatives)}</td></tr>
</tbody>
</table>`
}

function metricsTable (test: EvaluationMetrics, validation: EvaluationMetrics): string {
  const rows = METRIC_ROWS.map((r) =>
    `<tr><th scope="row">${escapeHtml(r.name)}</th><td class="num">${escapeHtml(r.value(test))}</td><td class="num">${escapeHtml(r.value(validation))}</td><td class="reading">${escapeHtml(r.reading)}</td></tr>`)
  return `<table id="metrics">
<thead><tr><th>Metric</th><th>Test</th><th>Validation</th><th>How to read it</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>`
}

function factsList (card: Omit<ModelCard, 'files'>): string {
  const d = card.data
  const facts: Array<[string, string]> = [
    ['Model version', card.version],
    ['Created', card.createdAt],
    ['Data', `${d.file} (${d.layout} layout, SHA-256 ${d.sha256.slice(0, 12)}…)`],
    ['Data rows', `${count(d.rows)} customers used, ${count(d.skippedRows)} skipped; split ${count(d.splits.train)} train / ${count(d.splits.validation)} validation / ${count(d.splits.test)} test`],
    ['Base rate', `${percent(card.baseRate)} of training customers bought again`],
    ['Decision threshold', `${fixed(card.threshold, 4)}: ${card.thresholdMethod}`],
    ['Calibration', `${card.calibration.method} (slope ${fixed(card.calibration.slope, 3)}, intercept ${fixed(card.calibration.intercept, 3)})`],
    ['Training', `seed ${card.training.seed}, ${card.training.members.length} ensemble member(s), ${fixed(card.training.seconds, 1)} s`],
    ['Libraries', Object.entries(card.libraries).map(([name, version]) => `${name} ${version}`).join(', ') || 'not recorded']
  ]
  return `<dl class="facts">\n${facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('\n')}\n</dl>`
}

function figureHtml (f: Figure): string {
  return `<figure id="${escapeHtml(f.id)}">\n${f.svg}\n<figcaption>${escapeHtml(f.caption)}</figcaption>\n</figure>`
}

async function renderFigures (input: ReportInput): Promise<Figure[]> {
  const { card, testScores: scores, testLabels: labels } = input
  const test = card.metrics.test
  const atThreshold = metricsAtThreshold(scores, labels, card.threshold)
  const c = atThreshold.confusion
  const operating = {
    falsePositiveRate: c.falsePositives / Math.max(1, c.falsePositives + c.trueNegatives),
    truePositiveRate: atThreshold.recall,
    threshold: card.threshold
  }
  const gains = gainsPoints(scores, labels)
  // The same definition as the card's captureTop10/20, so the chart and the metrics table agree.
  const marks = GAINS_MARKS.map((share) => ({ contactedShare: share, capturedShare: captureAtTop(scores, labels, share) }))
  const n = count(scores.length)
  const [roc, calibration, gainsSvg, distribution, importance] = await Promise.all([
    renderSvg(rocChartSpec(thinPoints(rocPoints(scores, labels), MAX_CURVE_POINTS), rocAuc(scores, labels), operating)),
    renderSvg(calibrationChartSpec(test.calibrationBins, test.expectedCalibrationError)),
    renderSvg(gainsChartSpec(thinPoints(gains, MAX_CURVE_POINTS), marks)),
    renderSvg(scoreDistributionChartSpec(scoreHistogram(scores, labels, HISTOGRAM_BINS), card.threshold)),
    renderSvg(featureImportanceChartSpec(card.featureImportance))
  ])
  return [
    { id: 'roc', svg: roc, caption: `Buyers found vs non-buyers flagged as the threshold falls (test split, ${n} customers). The higher and further left the curve, the better the ranking; the dashed diagonal is random guessing. The red point is the decision threshold.` },
    { id: 'calibration', svg: calibration, caption: `Observed buy rate vs mean predicted probability in ${test.calibrationBins.length} equal-width bins (test split, ${count(test.rows)} customers); n and point size give the customers per bin. Points on the dashed diagonal mean a predicted 30% really buys again 30% of the time, so probabilities can be summed into expected buyers. Bins with few customers are noisy.` },
    { id: 'gains', svg: gainsSvg, caption: `Share of all buyers reached when contacting the highest-scored customers first (test split, ${n} customers); the dashed diagonal is a random order. Lift = captured share / contacted share (1 = random).` },
    { id: 'distribution', svg: distribution, caption: `Predicted probabilities of buyers and non-buyers (test split, ${n} customers), each class as a share of itself so both show whatever the class balance. The further apart the histograms, the better the separation; customers at or right of the threshold are flagged willBuy.` },
    { id: 'importance', svg: importance, caption: 'Permutation importance on the test split: how much the ROC AUC falls when a field is shuffled across customers. Near zero means the model barely uses the field.' }
  ]
}

/** The complete report page for a model card and its test-split predictions. */
export async function renderReport (input: ReportInput): Promise<string> {
  const { card } = input
  const figures = await renderFigures(input)
  const test = card.metrics.test
  const validation = card.metrics.validation
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Model report ${escapeHtml(card.version)}</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
<main>
<header>
<h1>Buy-again model report: ${escapeHtml(card.version)}</h1>
<p class="lead">${escapeHtml(card.description)}</p>
${factsList(card)}
</header>
<section aria-labelledby="charts-title">
<h2 id="charts-title">Charts</h2>
<div class="charts">
${figures.map(figureHtml).join('\n')}
</div>
</section>
<section aria-labelledby="metrics-title">
<h2 id="metrics-title">Metrics</h2>
${metricsTable(test, validation)}
<h2>Confusion matrix at threshold ${escapeHtml(fixed(card.threshold, 4))}</h2>
<div class="confusion">
${confusionTable(`Test split (${count(test.rows)} customers)`, test)}
${confusionTable(`Validation split (${count(validation.rows)} customers)`, validation)}
</div>
</section>
<footer>Rendered at training time from the test split and <code>card.json</code>; this page needs no network and runs no scripts.</footer>
</main>
</body>
</html>
`
}
