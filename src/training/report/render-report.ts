// The model report: one self-contained HTML page (inline SVG charts and CSS, no scripts, no URLs) written
// into the artefact as report.html at training time and served by GET /model/report. It opens with a
// plain-language summary for a marketing analyst; the charts, tables, glossary and technical details follow.
import { counted } from '../../domain/counted.js'
import { captureAtTop, metricsAtThreshold, rocAuc } from '../../evaluation/classifier-metrics.js'
import type { CrossValidationMetrics, EvaluationMetrics, ModelCard } from '../../artefact/model-card.js'
import {
  FONT_STACK, calibrationChartSpec, featureImportanceChartSpec, gainsChartSpec, renderSvg, rocChartSpec, scoreDistributionChartSpec
} from './charts.js'
import { equalCountCalibration, gainsPoints, rocPoints, scoreHistogram, thinPoints } from './curves.js'
import { directionWords, fieldDescription, fieldLabel } from './field-names.js'
import { glossaryHtml, termHref } from './glossary.js'
import { count, escapeHtml, fixed, percent } from './html.js'
import { summaryHtml } from './summary.js'

type Card = Omit<ModelCard, 'files'>

export interface ReportInput {
  readonly card: Card
  /** Test-split probabilities and labels (1 = bought again), same order. */
  readonly testScores: Float32Array
  readonly testLabels: readonly number[]
}

/** Curves keep at most this many points: the same picture as thousands of customers, a smaller page. */
const MAX_CURVE_POINTS = 600
const HISTOGRAM_BINS = 20
const GAINS_MARKS = [0.1, 0.2]
/**
 * Calibration groups of equal size: as many as keep at least 80 customers each (a 95% interval of about
 * ±10 points at a 50% rate), at most 20 (20 groups of 90 on a test split of 1,800).
 */
const CALIBRATION_MIN_GROUP = 80
const CALIBRATION_MAX_GROUPS = 20

interface Figure {
  readonly id: string
  readonly svg: string
  readonly caption: string
  /** Spans the whole row (the importance chart's labels need the width). */
  readonly wide?: boolean
}

type PerFoldFigure = keyof CrossValidationMetrics['perFold']

interface MetricRow {
  readonly name: string
  /** Glossary term the name links to. */
  readonly term?: string
  readonly value: (m: EvaluationMetrics) => string
  readonly reading: string
  /** The cross-fitting per-fold figure of the same metric, when the card has one. */
  readonly perFold?: PerFoldFigure
}

const METRIC_ROWS: readonly MetricRow[] = [
  { name: 'Customers', value: (m) => count(m.rows), reading: 'customers measured' },
  { name: 'ROC AUC', term: 'roc-auc', value: (m) => fixed(m.rocAuc, 4), reading: 'chance that a random buyer scores above a random non-buyer (0.5 = random)', perFold: 'rocAuc' },
  { name: 'PR AUC', term: 'pr-auc', value: (m) => fixed(m.prAuc, 4), reading: 'average precision over all thresholds (random = the base rate)' },
  { name: 'Log loss', term: 'log-loss', value: (m) => fixed(m.logLoss, 4), reading: 'penalty for confident mistakes (lower is better)', perFold: 'logLoss' },
  { name: 'Brier score', term: 'brier', value: (m) => fixed(m.brierScore, 4), reading: 'mean squared gap between probability and outcome (lower is better)' },
  { name: 'Expected calibration error', term: 'ece', value: (m) => fixed(m.expectedCalibrationError, 4), reading: 'customer-weighted gap between predicted and observed rates over 10 bands', perFold: 'expectedCalibrationError' },
  { name: 'Mean probability vs base rate', term: 'base-rate', value: (m) => `${percent(m.meanProbability)} vs ${percent(m.baseRate)}`, reading: 'honest probabilities average to the share of buyers' },
  { name: 'Buyers captured in top 10%', term: 'capture', value: (m) => percent(m.captureTop10), reading: 'share of all buyers among the 10% highest-scored customers (random = 10%)' },
  { name: 'Buyers captured in top 20%', term: 'capture', value: (m) => percent(m.captureTop20), reading: 'same for the top 20% (random = 20%)' },
  { name: 'Precision at threshold', term: 'threshold', value: (m) => percent(m.atThreshold.precision), reading: 'share of customers flagged willBuy who bought again' },
  { name: 'Recall at threshold', term: 'threshold', value: (m) => percent(m.atThreshold.recall), reading: 'share of buyers flagged willBuy' },
  { name: 'F1 at threshold', term: 'threshold', value: (m) => fixed(m.atThreshold.f1, 3), reading: 'harmonic mean of precision and recall' },
  { name: 'Accuracy at threshold', term: 'accuracy', value: (m) => percent(m.atThreshold.accuracy), reading: 'share of customers classified correctly (dominated by the non-buyers)' },
  { name: 'Balanced-sample accuracy', term: 'accuracy', value: (m) => percent(m.balancedSampleAccuracy), reading: 'accuracy on equal numbers of buyers and non-buyers, deciding at p >= the training base rate' }
]

const STYLE = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f8fafc; color: #0f172a; font: 15px/1.5 ${FONT_STACK}; }
main { max-width: 1280px; margin: 0 auto; padding: 24px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 36px 0 12px; }
h3 { font-size: 16px; margin: 20px 0 8px; }
p { max-width: 90ch; }
p.lead { margin: 0 0 12px; color: #334155; }
a { color: #1d4ed8; }
nav ul { display: flex; flex-wrap: wrap; gap: 4px 16px; list-style: none; margin: 0; padding: 0; font-size: 14px; }
section.panel { margin-top: 20px; padding: 4px 20px 16px; background: white; border: 1px solid #e2e8f0; border-radius: 8px; }
section.panel h2 { margin-top: 16px; }
ul.key-figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 12px; list-style: none; margin: 0; padding: 0; }
li.key-figure { display: flex; flex-direction: column; padding: 12px 14px; background: #f8fafc; border: 1px solid #e2e8f0; border-radius: 8px; }
.key-name { font-size: 13px; font-weight: 600; color: #334155; }
.key-name a { color: inherit; }
.key-value { font-size: 28px; font-weight: 700; line-height: 1.2; font-variant-numeric: tabular-nums; }
.key-verdict { font-weight: 600; color: #1d4ed8; }
.key-text { margin-top: 4px; font-size: 13px; color: #475569; }
ol.drivers { margin: 0; padding-left: 24px; }
ol.drivers li { margin: 2px 0; }
p.note { font-size: 13px; color: #475569; }
.quirk { margin: 12px 0; padding: 10px 14px; background: #fffbeb; border-left: 4px solid #d97706; border-radius: 4px; }
.quirk p { margin: 4px 0; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 16px; }
figure { margin: 0; padding: 12px; background: white; border: 1px solid #e2e8f0; border-radius: 8px; }
figure.wide { grid-column: 1 / -1; }
figure svg { display: block; max-width: 100%; height: auto; }
figcaption { margin-top: 8px; font-size: 13px; color: #475569; max-width: 100ch; }
table { border-collapse: collapse; background: white; border: 1px solid #e2e8f0; }
th, td { padding: 6px 12px; border-bottom: 1px solid #e2e8f0; text-align: left; vertical-align: top; }
thead th { background: #f1f5f9; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.reading { color: #475569; font-size: 13px; }
th a { color: inherit; text-decoration: underline dotted #64748b; text-underline-offset: 3px; }
td.direction { min-width: 11em; }
td.meaning { min-width: 16em; }
.nowrap { white-space: nowrap; }
.table-scroll { overflow-x: auto; }
.rho { color: #64748b; font-size: 13px; white-space: nowrap; }
table caption { text-align: left; font-weight: 600; padding: 4px 0; }
.confusion { display: flex; flex-wrap: wrap; gap: 24px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; padding: 16px; background: white; border: 1px solid #e2e8f0; border-radius: 8px; }
dl.facts dt { font-weight: 600; color: #334155; }
dl.facts dd { margin: 0; }
dl.glossary { margin: 0; padding: 8px 16px; background: white; border: 1px solid #e2e8f0; border-radius: 8px; }
dl.glossary dt { font-weight: 600; margin-top: 10px; }
dl.glossary dfn { font-style: normal; }
dl.glossary dd { margin: 2px 0 0; color: #334155; max-width: 100ch; }
footer { margin-top: 32px; font-size: 13px; color: #64748b; }
code { font-size: 13px; }
`

/** The per-fold figures' mean ± spread, or a dash for metrics the card does not have per fold. */
function perFoldValue (cv: CrossValidationMetrics, figure: PerFoldFigure | undefined): string {
  if (figure === undefined) return '–'
  const spread = cv.perFold[figure]
  return `${fixed(spread.mean, 4)} ± ${fixed(spread.std, 4)}`
}

/** The other split shown beside the test split: out-of-fold metrics on cross-fitted cards, else the old validation split. */
function comparison (card: Card): { heading: string, caption: string, metrics: EvaluationMetrics, cv?: CrossValidationMetrics } | null {
  const cv = card.metrics.crossValidation
  if (cv !== undefined) {
    return { heading: `Out-of-fold (${cv.folds} folds)`, caption: `Out-of-fold, all ${count(cv.outOfFold.rows)} training customers`, metrics: cv.outOfFold, cv }
  }
  const validation = card.metrics.validation
  if (validation !== undefined) return { heading: 'Validation', caption: `Validation split (${count(validation.rows)} customers)`, metrics: validation }
  return null
}

function metricName (row: MetricRow): string {
  return row.term === undefined ? escapeHtml(row.name) : `<a href="${termHref(row.term)}">${escapeHtml(row.name)}</a>`
}

function metricsTable (card: Card): string {
  const test = card.metrics.test
  const other = comparison(card)
  const cv = other?.cv
  const headings = ['Metric', 'Test', ...(other === null ? [] : [other.heading]), ...(cv === undefined ? [] : ['Per fold, mean ± std']), 'How to read it']
  const rows = METRIC_ROWS.map((r) => [
    `<tr><th scope="row">${metricName(r)}</th>`,
    `<td class="num">${escapeHtml(r.value(test))}</td>`,
    other === null ? '' : `<td class="num">${escapeHtml(r.value(other.metrics))}</td>`,
    cv === undefined ? '' : `<td class="num">${escapeHtml(perFoldValue(cv, r.perFold))}</td>`,
    `<td class="reading">${escapeHtml(r.reading)}</td></tr>`
  ].join(''))
  const note = cv === undefined
    ? ''
    : `\n<p class="note">Out-of-fold: every training customer scored by the network that did not learn from it, after calibration. Per fold: each of the ${cv.folds} networks on its own held-out fold, before calibration; ± is the standard deviation across folds. See <a href="${termHref('cross-validation')}">the glossary</a>.</p>`
  return `<div class="table-scroll"><table id="metrics">
<thead><tr>${headings.map((h, i) => `<th scope="col"${i > 0 && i < headings.length - 1 ? ' class="num"' : ''}>${escapeHtml(h)}</th>`).join('')}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table></div>${note}`
}

function confusionTable (title: string, m: EvaluationMetrics): string {
  const c = m.atThreshold.confusion
  return `<table class="confusion-matrix">
<caption>${escapeHtml(title)}</caption>
<thead><tr><td></td><th scope="col">flagged willBuy</th><th scope="col">not flagged</th></tr></thead>
<tbody>
<tr><th scope="row">bought again</th><td class="num">${count(c.truePositives)}</td><td class="num">${count(c.falseNegatives)}</td></tr>
<tr><th scope="row">did not</th><td class="num">${count(c.falsePositives)}</td><td class="num">${count(c.trueNegatives)}</td></tr>
</tbody>
</table>`
}

/** How the customers were split, in the card's own terms (cross-fitting folds, or the old validation split). */
function splitText (card: Card): string {
  const s = card.data.splits
  const folds = card.metrics.crossValidation?.folds ?? s.folds
  const parts = [
    folds === undefined ? `${count(s.train)} train` : `${count(s.train)} train (cross-fitted in ${folds} folds)`,
    ...(s.validation === undefined ? [] : [`${count(s.validation)} validation`]),
    `${count(s.test)} test`
  ]
  return parts.join(' / ')
}

function factsList (card: Card): string {
  const d = card.data
  const facts: Array<[string, string]> = [
    ['Model version', card.version],
    ['Created', card.createdAt],
    ['Method', card.description],
    ['Data', `${d.file} (${d.layout} layout, SHA-256 ${d.sha256.slice(0, 12)}…)`],
    ['Data rows', `${count(d.rows)} customers used, ${count(d.skippedRows)} skipped; split ${splitText(card)}`],
    ['Base rate', `${percent(card.baseRate)} of training customers bought again`],
    ['Decision threshold', `${fixed(card.threshold, 4)}: ${card.thresholdMethod}`],
    ['Calibration', `${card.calibration.method} (slope ${fixed(card.calibration.slope, 3)}, intercept ${fixed(card.calibration.intercept, 3)})`],
    ['Training', `seed ${card.training.seed}, ${counted(card.training.members.length, 'network')}, ${fixed(card.training.seconds, 1)} s`],
    ['Libraries', Object.entries(card.libraries).map(([name, version]) => `${name} ${version}`).join(', ') || 'not recorded']
  ]
  return `<dl class="facts">\n${facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('\n')}\n</dl>`
}

/** The data quirks the card records; nothing at all for cards without any. */
function quirksHtml (card: Card): string {
  const quirks = card.dataQuirks ?? []
  if (quirks.length === 0) return ''
  const items = quirks.map((q) => `<div class="quirk" id="quirk-${escapeHtml(q.id)}">
<p><strong>In the data:</strong> ${escapeHtml(q.finding)}</p>
<p><strong>What it means:</strong> ${escapeHtml(q.meaning)}</p>
</div>`)
  return `<section id="quirks" class="panel" aria-labelledby="quirks-title">
<h2 id="quirks-title">What the data shows that may surprise you</h2>
<p>Counted in the training data when this model was trained. The model can only repeat what these customers did.</p>
${items.join('\n')}
</section>`
}

/** Every customer field with its human name, meaning, importance and direction: the chart as a table. */
function fieldsTable (card: Card): string {
  const importance = [...card.featureImportance].sort((a, b) => b.aucDrop - a.aucDrop)
  const withDirection = importance.some((f) => f.direction !== undefined)
  const rows = importance.map((f) => {
    const description = fieldDescription(f.field) ?? card.features.find((s) => s.name === f.field)?.description ?? ''
    const direction = withDirection
      ? `<td class="direction"><span class="nowrap">${escapeHtml(directionWords(f.field, f.direction) ?? 'not recorded')}</span>${f.direction === undefined ? '' : ` <span class="rho">(ρ ${escapeHtml(fixed(f.direction, 2))})</span>`}</td>`
      : ''
    return `<tr><th scope="row">${escapeHtml(fieldLabel(f.field))}</th><td class="meaning">${escapeHtml(description)}</td><td><code>${escapeHtml(f.field)}</code></td><td class="num">${escapeHtml(fixed(f.aucDrop, 3))}</td>${direction}</tr>`
  })
  const headings = ['Field', 'Meaning', 'Name in the API and files', 'Importance', ...(withDirection ? ['Direction'] : [])]
  return `<div class="table-scroll"><table id="fields">
<caption>The customer fields, most important first (<a href="${termHref('importance')}">importance</a>${withDirection ? `, <a href="${termHref('direction')}">direction</a>` : ''})</caption>
<thead><tr>${headings.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table></div>`
}

function figureHtml (f: Figure): string {
  return `<figure id="${escapeHtml(f.id)}"${f.wide === true ? ' class="wide"' : ''}>\n${f.svg}\n<figcaption>${escapeHtml(f.caption)}</figcaption>\n</figure>`
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
  const groupCount = Math.max(1, Math.min(CALIBRATION_MAX_GROUPS, Math.floor(scores.length / CALIBRATION_MIN_GROUP)))
  const groups = equalCountCalibration(scores, labels, groupCount)
  const groupSize = count(Math.round(scores.length / groups.length))
  const n = count(scores.length)
  const withDirection = card.featureImportance.some((f) => f.direction !== undefined)
  const [roc, calibration, gainsSvg, distribution, importance] = await Promise.all([
    renderSvg(rocChartSpec(thinPoints(rocPoints(scores, labels), MAX_CURVE_POINTS), rocAuc(scores, labels), operating)),
    renderSvg(calibrationChartSpec(groups, test.expectedCalibrationError)),
    renderSvg(gainsChartSpec(thinPoints(gains, MAX_CURVE_POINTS), marks)),
    renderSvg(scoreDistributionChartSpec(scoreHistogram(scores, labels, HISTOGRAM_BINS), card.threshold)),
    renderSvg(featureImportanceChartSpec(card.featureImportance))
  ])
  return [
    { id: 'gains', svg: gainsSvg, caption: `How many buyers a campaign reaches when it contacts the customers with the highest probabilities first (${n} test customers). Read across to the share of customers contacted, up to the share of all buyers reached; the dashed diagonal is contacting in random order. Lift = buyers reached / customers contacted (1 = random).` },
    { id: 'calibration', svg: calibration, caption: `Can the percentages be taken at face value? The ${n} test customers are sorted by probability and cut into ${groups.length} equal groups of about ${groupSize} customers. Each point is a group: its average predicted probability (across) and the share that really bought again (up); the vertical bar is its 95% interval. Groups on the dashed diagonal are honest, so 100 customers at 30% hold about 30 buyers. Both axes are stretched at the low end, where most customers are. The ECE in the title uses 10 bands of probability instead (see the glossary).` },
    {
      id: 'importance',
      svg: importance,
      wide: true,
      caption: 'How much each customer field matters: the bar is the drop in ranking quality (ROC AUC) when the field is shuffled across the test customers, so a long bar means the model relies on it. ' +
        (withDirection
          ? 'The colour and the words give the direction: whether higher values (or "yes") go with a higher or a lower probability of buying again. These are patterns in past customers, not causes.'
          : 'This model\'s card does not record the direction of each field.')
    },
    { id: 'distribution', svg: distribution, caption: `The probabilities the model gave to customers who bought again and to those who did not (${n} test customers, each group as a share of itself). The further apart the two, the better the model tells them apart; customers at or right of the red threshold are flagged willBuy.` },
    { id: 'roc', svg: roc, caption: `For analysts who know ROC curves: buyers found against non-buyers wrongly flagged as the threshold falls (${n} test customers). The higher and further left, the better the ranking; the dashed diagonal is random guessing, the red point the decision threshold.` }
  ]
}

const CONTENTS: ReadonlyArray<[string, string]> = [
  ['summary', 'In short'], ['quirks', 'What the data shows'], ['charts', 'Charts'], ['fields', 'Fields'],
  ['metrics-title', 'All metrics'], ['glossary', 'Glossary'], ['details', 'Technical details']
]

function contentsNav (card: Card): string {
  const entries = CONTENTS.filter(([id]) => id !== 'quirks' || (card.dataQuirks?.length ?? 0) > 0)
  return `<nav aria-label="Contents"><ul>${entries.map(([id, title]) => `<li><a href="#${id}">${escapeHtml(title)}</a></li>`).join('')}</ul></nav>`
}

/** The complete report page for a model card and its test-split predictions. */
export async function renderReport (input: ReportInput): Promise<string> {
  const { card } = input
  const figures = await renderFigures(input)
  const test = card.metrics.test
  const other = comparison(card)
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
<h1>Buy-again model report</h1>
<p class="lead">Model ${escapeHtml(card.version)}, trained ${escapeHtml(card.createdAt.slice(0, 10))} on ${escapeHtml(count(card.data.rows))} customers. What it predicts, how far to trust it and what drives it come first; the technical details are at the end.</p>
${contentsNav(card)}
</header>
${summaryHtml(card)}
${quirksHtml(card)}
<section id="charts" aria-labelledby="charts-title">
<h2 id="charts-title">Charts</h2>
<div class="charts">
${figures.map(figureHtml).join('\n')}
</div>
</section>
<section aria-labelledby="fields-title">
<h2 id="fields-title">The customer fields</h2>
${fieldsTable(card)}
</section>
<section aria-labelledby="metrics-title">
<h2 id="metrics-title">All metrics</h2>
${metricsTable(card)}
<h3>Who is flagged at threshold ${escapeHtml(fixed(card.threshold, 4))}</h3>
<div class="confusion">
${confusionTable(`Test split (${count(test.rows)} customers)`, test)}
${other === null ? '' : confusionTable(other.caption, other.metrics)}
</div>
</section>
${glossaryHtml(test.baseRate)}
<section id="details" aria-labelledby="details-title">
<h2 id="details-title">Technical details</h2>
${factsList(card)}
</section>
<footer>Rendered at training time from the test split and <code>card.json</code>; this page needs no network and runs no scripts.</footer>
</main>
</body>
</html>
`
}
