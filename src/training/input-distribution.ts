// The training split's distribution of every customer field, stored on the model card so serving can
// measure how far the customers it scores have drifted from the ones the model learned from.
import { CUSTOMER_FIELDS, type CustomerInputs, type FieldSpec } from '../domain/customer.js'
import type { FieldDistribution, InputDistribution } from '../artefact/model-card.js'

/** A bin is closed once it holds this share of the customers: about ten bins, like deciles. */
export const TARGET_BIN_SHARE = 0.1
/**
 * A heavily tied value (60% of minutesListened is 0) gets a bin of its own once the customers below it
 * reach this share; a last bin below it is merged into the one before. Tiny bins would make the PSI
 * of a 10,000-customer window noise.
 */
export const MIN_BIN_SHARE = 0.01

const METHOD = `equal-frequency bins over the training split's distinct values, closed above: a bin closes once it holds ${TARGET_BIN_SHARE * 100}% of the customers, a value holding that much alone gets its own bin, no bin below ${MIN_BIN_SHARE * 100}%; booleans as 0/1; missing optional values binned as their imputed value`

/**
 * Cut points and shares for one field's values. Deciles would put several edges on one tied value
 * (0 for most customers who never listened) and leave empty or meaningless bins; walking the distinct
 * values keeps every tied value inside one bin and gives discrete fields (reviewed, supportRequests)
 * one bin per frequent value.
 */
export function binValues (values: Float64Array): { cuts: number[], shares: number[] } {
  const n = values.length
  if (n === 0) return { cuts: [], shares: [1] }
  const sorted = Float64Array.from(values).sort()
  const target = TARGET_BIN_SHARE * n
  const minimum = MIN_BIN_SHARE * n
  const cuts: number[] = []
  const counts: number[] = []
  let open = 0
  let previous = Number.NaN
  for (let i = 0; i < n;) {
    const value = sorted[i] as number
    let run = 1
    while (i + run < n && sorted[i + run] === value) run++
    if (open >= minimum && run >= target) {
      cuts.push(previous)
      counts.push(open)
      open = 0
    }
    open += run
    if (open >= target) {
      cuts.push(value)
      counts.push(open)
      open = 0
    }
    previous = value
    i += run
  }
  if (open === 0) {
    // The last bin closed on the largest value: nothing lies above its cut, so drop it.
    cuts.pop()
  } else if (open < minimum && counts.length > 0) {
    cuts.pop()
    counts[counts.length - 1] = (counts[counts.length - 1] as number) + open
  } else {
    counts.push(open)
  }
  return { cuts, shares: counts.map((c) => c / n) }
}

/**
 * The reference distribution of every customer field over `customers` (the training split).
 * `imputations` gives the value an optional field's missing entries are binned as: the one the model uses.
 */
export function inputDistribution (customers: readonly CustomerInputs[], imputations: Readonly<Record<string, number>>): InputDistribution {
  const fields: FieldDistribution[] = (CUSTOMER_FIELDS as readonly FieldSpec[]).map((field) => {
    const imputed = imputations[field.name]
    if (field.optional === true && imputed === undefined) throw new Error(`inputDistribution: no imputation value for optional field ${field.name}`)
    const values = new Float64Array(customers.length)
    let missing = 0
    customers.forEach((c, i) => {
      const v = (c as unknown as Record<string, number | boolean | null | undefined>)[field.name]
      if (typeof v === 'boolean') values[i] = v ? 1 : 0
      else if (typeof v === 'number') values[i] = v
      else {
        missing++
        values[i] = imputed as number
      }
    })
    const { cuts, shares } = binValues(values)
    const distribution: FieldDistribution = { field: field.name, cuts, shares }
    return field.optional === true
      ? { ...distribution, missing: { share: customers.length === 0 ? 0 : missing / customers.length, binnedAs: imputed as number } }
      : distribution
  })
  return { method: METHOD, rows: customers.length, fields }
}
