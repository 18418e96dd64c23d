// The training data's hard rules, counted in the file at training time, so the card and the report can
// tell a marketer why an explanation may look backwards. The wording adapts to the counts; nothing here
// is a hard-coded claim about a particular file.
import type { CustomerInputs } from '../domain/customer.js'
import { QUIRK_IDS, boughtSeveralBooks, hasListened, hasUnusualNonReviewerScore } from '../domain/data-rules.js'
import type { DataQuirk } from '../artefact/model-card.js'

const count = (n: number): string => n.toLocaleString('en-US')
const customersText = (n: number): string => `${count(n)} ${n === 1 ? 'customer' : 'customers'}`
const share = (part: number, whole: number): string => `${(whole === 0 ? 0 : (100 * part) / whole).toFixed(1)}%`

interface Group { readonly customers: number, readonly buyers: number }

function group (customers: readonly CustomerInputs[], labels: readonly number[], member: (c: CustomerInputs) => boolean): Group {
  let size = 0
  let buyers = 0
  customers.forEach((c, i) => {
    if (!member(c)) return
    size++
    buyers += labels[i] === 1 ? 1 : 0
  })
  return { customers: size, buyers }
}

function buyersIn (g: Group): string {
  if (g.buyers === 0) return 'none of them bought again'
  if (g.buyers === g.customers) return 'every one of them bought again'
  return `${count(g.buyers)} of them (${share(g.buyers, g.customers)}) bought again`
}

/**
 * The three rules of the Kaggle data (listening, several books, non-reviewer scores), each with its counts
 * in `customers`: every labelled row of the training file, test split included (a rule of the data, not
 * of one split). A rule whose group is empty is left out. `usualNonReviewerScore` is the score the
 * source gives non-reviewers (the model's imputation).
 */
export function dataQuirks (customers: readonly CustomerInputs[], labels: readonly number[], usualNonReviewerScore: number): DataQuirk[] {
  const quirks: DataQuirk[] = []
  const listened = group(customers, labels, hasListened)
  if (listened.customers > 0) {
    quirks.push({
      id: QUIRK_IDS.listened,
      group: listened,
      finding: `${count(listened.customers)} of the ${count(customers.length)} customers in the training file had listened to at least one minute; ${buyersIn(listened)}.`,
      meaning: 'The model learned that listening goes with not buying again, so "has not listened to any minute yet" raises a probability and any listening lowers it. That is what the data shows, not a bug; it describes these customers, it does not say that listening causes anything.'
    })
  }
  const several = group(customers, labels, boughtSeveralBooks)
  if (several.customers > 0) {
    quirks.push({
      id: QUIRK_IDS.severalBooks,
      group: several,
      finding: `${customersText(several.customers)} in the training file had bought more than one book (total length above the average length); ${buyersIn(several)}.`,
      meaning: 'A total book length or total price above the average (more than one book) pushes the probability up strongly; for these customers the model is close to certain.'
    })
  }
  const oddScore = group(customers, labels, (c) => hasUnusualNonReviewerScore(c, usualNonReviewerScore))
  if (oddScore.customers > 0) {
    quirks.push({
      id: QUIRK_IDS.unusualNonReviewerScore,
      group: oddScore,
      finding: `Non-reviewers carry the score ${usualNonReviewerScore} in the source data; ${count(oddScore.customers)} ${oddScore.customers === 1 ? 'non-reviewer' : 'non-reviewers'} in the training file ${oddScore.customers === 1 ? 'carries' : 'carry'} another score, and ${buyersIn(oddScore)}.`,
      meaning: `Send no reviewScore (or null) for a customer who did not review: the model then uses ${usualNonReviewerScore}, as in training. A non-reviewer sent with another score looks like that small group to the model.`
    })
  }
  return quirks
}
