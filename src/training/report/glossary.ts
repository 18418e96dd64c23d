// The report's glossary: every figure on the page in plain words, each term with an anchor the tables link to.
import { CLEAR_DIRECTION } from './field-names.js'
import { escapeHtml, fixed, percent } from './html.js'

export interface GlossaryTerm {
  /** Anchor on the page: #term-<id>. */
  readonly id: string
  readonly term: string
  readonly meaning: string
}

/** Log loss and Brier score of predicting the base rate for everyone: the no-skill references. */
function noSkill (baseRate: number): { logLoss: number, brier: number } {
  const p = Math.min(1 - 1e-12, Math.max(1e-12, baseRate))
  return { logLoss: -(p * Math.log(p) + (1 - p) * Math.log(1 - p)), brier: p * (1 - p) }
}

/** The terms, with the no-skill references worked out for `baseRate` (the share of buyers). */
export function glossaryTerms (baseRate: number): GlossaryTerm[] {
  const reference = noSkill(baseRate)
  const buy = `${percent(baseRate)} buy`
  return [
    {
      id: 'base-rate',
      term: 'Base rate',
      meaning: 'The share of customers who bought again. It is what a model that knows nothing would predict for everyone, and what the model\'s probabilities should average to.'
    },
    {
      id: 'roc-auc',
      term: 'ROC AUC (ranking quality)',
      meaning: 'Pick one customer who bought again and one who did not, at random: ROC AUC is the chance that the model gives the buyer the higher probability. 0.5 is a coin toss, 1 is a perfect ranking; above 0.8 is good, above 0.9 excellent. It says how well the model orders customers, not whether its percentages are right.'
    },
    {
      id: 'pr-auc',
      term: 'PR AUC (average precision)',
      meaning: 'The average share of buyers among the customers the model flags, over every possible cut-off. A random order scores the base rate, a perfect one 1. It is harder to score well on when buyers are rare.'
    },
    {
      id: 'ece',
      term: 'Calibration error (ECE, expected calibration error)',
      meaning: 'How far the probabilities are from what customers actually did. Customers are grouped into 10 bands of predicted probability (0-10%, 10-20%, ...); in each band the average prediction is compared with the share who bought again, and the gaps are averaged, weighted by customers. 0.012 means predictions are on average 1.2 percentage points off. Small is honest: 100 customers at 30% then hold about 30 buyers, so probabilities can be added up into expected buyers.'
    },
    {
      id: 'log-loss',
      term: 'Log loss',
      meaning: `The penalty for confident mistakes: it is small when buyers got high probabilities and non-buyers low ones, and grows fast when the model was sure and wrong. Lower is better; it rewards both good ranking and honest probabilities, so it is the figure training minimises. Predicting the base rate for everyone scores ${fixed(reference.logLoss, 3)} when ${buy}.`
    },
    {
      id: 'brier',
      term: 'Brier score',
      meaning: `The average squared gap between the probability and what happened (1 = bought again, 0 = did not). Lower is better; 0 is perfect, and predicting the base rate for everyone scores ${fixed(reference.brier, 3)} when ${buy}.`
    },
    {
      id: 'capture',
      term: 'Capture at top 20% (and lift)',
      meaning: 'Rank all customers by the model\'s probability and take the top 20%: the share of all buyers found among them. A random 20% holds 20% of the buyers; lift is capture divided by 20%, so a lift of 3 finds three times as many buyers as a random pick of the same size. The top 10% is read the same way.'
    },
    {
      id: 'threshold',
      term: 'Decision threshold, precision, recall and F1',
      meaning: 'The probability from which a customer is flagged willBuy. Precision is the share of flagged customers who bought again; recall is the share of all buyers who were flagged. A lower threshold flags more customers: more buyers found, more wasted contacts. F1 combines the two (their harmonic mean, 0 to 1). For a campaign, choosing how many customers to contact from the ranking is usually better than a fixed threshold.'
    },
    {
      id: 'accuracy',
      term: 'Accuracy and balanced-sample accuracy',
      meaning: 'Accuracy is the share of customers classified correctly at the threshold; with few buyers it looks high even for a useless model (calling everyone a non-buyer is right for most). Balanced-sample accuracy is measured on equal numbers of buyers and non-buyers, where a coin toss scores 50%.'
    },
    {
      id: 'cross-validation',
      term: 'Test customers, out-of-fold and per fold',
      meaning: 'Test customers are held out before training and never seen by the model: the main figures. With cross-fitting, the other customers are split into folds; each network learns from all folds but one and is scored on the fold it did not see, so every customer gets an honest out-of-fold prediction. Per fold mean ± std shows how much a figure moves from one fold to the next: a small spread means the result does not hinge on which customers were drawn.'
    },
    {
      id: 'importance',
      term: 'Importance (ROC AUC drop)',
      meaning: 'How much the ranking quality falls when one field is shuffled across the test customers, so that it carries no information. A large drop means the model relies on the field; near zero means it barely uses it (or another field tells it the same).'
    },
    {
      id: 'direction',
      term: 'Direction',
      meaning: `Which way a field moves the probability, measured as the rank correlation (Spearman's ρ, from -1 to 1) between the field and the model's probability over the test customers: above 0, higher values (or "yes") go with higher probabilities; below 0, with lower ones; near 0 (under ${CLEAR_DIRECTION} either way), no clear direction. It describes what the model learned from past customers, not what would happen if you changed the field.`
    },
    {
      id: 'wilson',
      term: '95% interval (Wilson)',
      meaning: 'The range in which a group\'s true buy rate plausibly lies, given how few customers the group has: the fewer customers, the wider. If the dashed diagonal passes through a group\'s interval, its probabilities are consistent with what the customers did.'
    }
  ]
}

const TERM_IDS: ReadonlySet<string> = new Set(glossaryTerms(0.5).map((t) => t.id))

/** The anchor of a glossary term, for links from tables and captions. */
export function termHref (id: string): string {
  if (!TERM_IDS.has(id)) throw new Error(`no glossary term ${id}`)
  return `#term-${id}`
}

export function glossaryHtml (baseRate: number): string {
  const entries = glossaryTerms(baseRate).map((t) => `<dt id="term-${escapeHtml(t.id)}"><dfn>${escapeHtml(t.term)}</dfn></dt>\n<dd>${escapeHtml(t.meaning)}</dd>`)
  return `<section id="glossary" aria-labelledby="glossary-title">
<h2 id="glossary-title">Glossary</h2>
<dl class="glossary">
${entries.join('\n')}
</dl>
</section>`
}
