// The report's opening section for a marketing analyst: what the model predicts, how good it is in words
// and one number each, and the fields that drive it with their direction. Every figure comes from the card.
import type { FeatureImportance, ModelCard } from '../../artefact/model-card.js'
import { directionPhrase, fieldLabel } from './field-names.js'
import { termHref } from './glossary.js'
import { count, escapeHtml, fixed, percent } from './html.js'

type Card = Omit<ModelCard, 'files'>

/** How many fields the summary names as drivers. */
const TOP_DRIVERS = 3
/** Fields whose shuffling costs less ROC AUC than this are not called drivers. */
const MIN_DRIVER_AUC_DROP = 0.005
/** A per-fold ROC AUC spread above this is called uneven. */
const STABLE_FOLD_AUC_STD = 0.02

/** Ranking quality in one word, from the ROC AUC. */
export function rankingVerdict (auc: number): string {
  if (auc >= 0.9) return 'Excellent'
  if (auc >= 0.8) return 'Good'
  if (auc >= 0.7) return 'Fair'
  if (auc >= 0.6) return 'Weak'
  return 'Close to guessing'
}

/** Honesty of the probabilities in a few words, from the expected calibration error. */
export function calibrationVerdict (ece: number): string {
  if (ece <= 0.02) return 'Honest'
  if (ece <= 0.05) return 'Close'
  if (ece <= 0.1) return 'Rough'
  return 'Not reliable as percentages'
}

interface KeyFigure {
  readonly name: string
  readonly value: string
  readonly term: string
  readonly verdict: string
  readonly text: string
}

function keyFigures (card: Card): KeyFigure[] {
  const test = card.metrics.test
  const c = test.atThreshold.confusion
  const flagged = c.truePositives + c.falsePositives
  const lift = test.captureTop20 / 0.2
  const ecePoints = fixed(test.expectedCalibrationError * 100, 1)
  return [
    {
      name: 'Ranking (ROC AUC)',
      value: fixed(test.rocAuc, 3),
      term: 'roc-auc',
      verdict: rankingVerdict(test.rocAuc),
      text: `Pick a buyer and a non-buyer at random: ${percent(test.rocAuc)} of the time the model gives the buyer the higher probability (0.5 is a coin toss, 1 is perfect).`
    },
    {
      name: 'Buyers in the top 20%',
      value: percent(test.captureTop20),
      term: 'capture',
      verdict: `${fixed(lift, 1)} times random`,
      text: `Of the 20% of customers the model ranks highest, ${percent(test.captureTop20)} of all buyers: ${fixed(lift, 1)} times as many as a random 20% (top 10%: ${percent(test.captureTop10)}).`
    },
    {
      name: 'Honesty of probabilities (calibration error)',
      value: fixed(test.expectedCalibrationError, 3),
      term: 'ece',
      verdict: calibrationVerdict(test.expectedCalibrationError),
      text: `A predicted chance is on average ${ecePoints} percentage points away from the share of customers who really bought again; the average prediction is ${percent(test.meanProbability)} against ${percent(test.baseRate)} actual buyers.`
    },
    {
      name: 'Flagged willBuy',
      value: percent(test.rows === 0 ? Number.NaN : flagged / test.rows),
      term: 'threshold',
      verdict: `at ${percent(card.threshold)} or more`,
      text: `${count(flagged)} of ${count(test.rows)} customers reach the threshold; ${percent(test.atThreshold.precision)} of them bought again, and they include ${percent(test.atThreshold.recall)} of all buyers.`
    }
  ]
}

function keyFigureHtml (f: KeyFigure): string {
  return `<li class="key-figure">
<span class="key-name"><a href="${termHref(f.term)}">${escapeHtml(f.name)}</a></span>
<span class="key-value">${escapeHtml(f.value)}</span>
<span class="key-verdict">${escapeHtml(f.verdict)}</span>
<span class="key-text">${escapeHtml(f.text)}</span>
</li>`
}

/** One sentence on how much the figures move between cross-fitting folds; null for cards without them. */
function stabilitySentence (card: Card): string | null {
  const cv = card.metrics.crossValidation
  if (cv === undefined) return null
  const auc = cv.perFold.rocAuc
  const steady = auc.std <= STABLE_FOLD_AUC_STD
  return `Across the ${cv.folds} cross-fitting folds the ranking quality was ${steady ? 'steady' : 'uneven'}: ROC AUC ${fixed(auc.mean, 3)} ± ${fixed(auc.std, 3)} per fold, and ${fixed(cv.outOfFold.rocAuc, 3)} over all ${count(cv.outOfFold.rows)} out-of-fold customers.`
}

/** The fields that matter most (by ROC AUC drop), most important first. */
export function topDrivers (importance: readonly FeatureImportance[], limit = TOP_DRIVERS): FeatureImportance[] {
  return [...importance].filter((f) => f.aucDrop >= MIN_DRIVER_AUC_DROP).sort((a, b) => b.aucDrop - a.aucDrop).slice(0, limit)
}

function driversHtml (card: Card): string {
  const drivers = topDrivers(card.featureImportance)
  if (drivers.length === 0) return '<p>No single field stands out: shuffling any one of them barely changes the ranking.</p>'
  const withDirection = drivers.some((f) => f.direction !== undefined)
  const items = drivers.map((f) => withDirection
    ? `<li><strong>${escapeHtml(fieldLabel(f.field))}</strong>: ${escapeHtml(directionPhrase(f.field, f.direction))}.</li>`
    : `<li><strong>${escapeHtml(fieldLabel(f.field))}</strong></li>`)
  const noDirection = withDirection ? '' : ' This model\'s card does not record which way each field pulls (models trained since do).'
  const quirks = (card.dataQuirks?.length ?? 0) > 0
    ? ' Some directions follow rules of the training data that look surprising: see <a href="#quirks">what the data shows</a>.'
    : ''
  return `<ol class="drivers">
${items.join('\n')}
</ol>
<p class="note">These are the patterns the model learned from past customers, not causes: changing a field will not necessarily change what a customer does.${noDirection}${quirks}</p>`
}

/** The summary section at the top of the report. */
export function summaryHtml (card: Card): string {
  const test = card.metrics.test
  const stability = stabilitySentence(card)
  return `<section id="summary" class="panel" aria-labelledby="summary-title">
<h2 id="summary-title">In short</h2>
<p class="predicts"><strong>What it predicts:</strong> for each customer, the chance of buying another audiobook within the next 6 months, from their activity so far (books bought and their price, listening, reviews, support requests, last visit). Customers with a chance of ${escapeHtml(percent(card.threshold))} or more are flagged <q>willBuy</q>.</p>
<h3>How good it is</h3>
<p>Measured on ${escapeHtml(count(test.rows))} test customers the model never saw while learning; ${escapeHtml(percent(test.baseRate))} of them bought again.</p>
<ul class="key-figures">
${keyFigures(card).map(keyFigureHtml).join('\n')}
</ul>
${stability === null ? '' : `<p>${escapeHtml(stability)}</p>\n`}<h3>What drives it</h3>
${driversHtml(card)}
</section>`
}
