// Targeting decisions for a scored batch: whom to contact given what a contact costs, what a
// conversion is worth and how many contacts the budget allows. Pure: probabilities in, plan out.
// Money is reported in cents (2 decimals, whatever the currency) and decided on as reported; the sums
// add the reported figures, so a spreadsheet summing the column gets the summary's number.
import { counted } from '../domain/counted.js'
import { PROBABILITY_DECIMALS } from './reported-probability.js'

export const MONEY_DECIMALS = 2
const CENTS = 10 ** MONEY_DECIMALS
const BILLIONTHS = 10 ** PROBABILITY_DECIMALS

/** A money figure as reported: rounded to MONEY_DECIMALS places (0.1 + 0.2 - 0 -> 0.3, never 0.30000000000000004 or -0). */
export function roundMoney (amount: number): number {
  return Math.round(amount * CENTS) / CENTS + 0
}

export interface TargetingOptions {
  /** Cost of contacting one customer (any currency). */
  readonly contactCost?: number
  /** Value of one customer who buys again (same currency). */
  readonly conversionValue?: number
  /** Most customers to contact. */
  readonly budget?: number
}

export type TargetingAction = 'target' | 'skip'

export interface TargetingSummary {
  readonly customers: number
  /** Sum of probabilities: buyers expected if nobody is contacted differently. */
  readonly expectedBuyers: number
  readonly targeted: number
  /** Sum of probabilities over the targeted customers. */
  readonly expectedConversions: number
  /** Sum of p * conversionValue - contactCost over the targeted customers (null without money figures). */
  readonly expectedProfit: number | null
  /** The same sum if every customer were contacted (null without money figures). */
  readonly expectedProfitTargetAll: number | null
  readonly contactCost: number | null
  readonly conversionValue: number | null
  readonly budget: number | null
  readonly rule: string
}

export interface TargetingPlan {
  readonly actions: TargetingAction[]
  /** p * conversionValue - contactCost per customer, rounded to cents (roundMoney), or null without money figures. */
  readonly expectedProfits: number[] | null
  readonly summary: TargetingSummary
}

/** Whether the request asked for targeting at all. */
export function wantsTargeting (options: TargetingOptions): boolean {
  return options.contactCost !== undefined || options.conversionValue !== undefined || options.budget !== undefined
}

/** A problem with the combination of options (each value is already range-checked by the schema), or null. */
export function targetingProblem (options: TargetingOptions): string | null {
  if ((options.contactCost === undefined) !== (options.conversionValue === undefined)) {
    return 'contactCost and conversionValue must be given together (or neither, with budget alone)'
  }
  return null
}

/** Sum of probabilities, counted in billionths so that sums of reported probabilities carry no float noise. */
function sumOfProbabilities (probabilities: ArrayLike<number>, indices: Iterable<number>): number {
  let billionths = 0
  for (const i of indices) billionths += Math.round((probabilities[i] as number) * BILLIONTHS)
  return billionths / BILLIONTHS
}

/** Sum of money figures already in cents, counted in whole cents. */
function sumOfMoney (amounts: readonly number[], indices: Iterable<number>): number {
  let cents = 0
  for (const i of indices) cents += Math.round((amounts[i] as number) * CENTS)
  return cents / CENTS
}

/**
 * With money figures: target customers whose expected profit p * V - C, in cents, is positive, highest
 * first, at most `budget` of them. With a budget alone: the `budget` most likely buyers.
 * Ties keep the input order, so the plan is deterministic.
 */
export function planTargeting (probabilities: ArrayLike<number>, options: TargetingOptions): TargetingPlan {
  const n = probabilities.length
  const { contactCost, conversionValue, budget } = options
  const money = contactCost !== undefined && conversionValue !== undefined
  const expectedProfits = money ? Array.from(probabilities, (p) => roundMoney(p * conversionValue - contactCost)) : null
  const candidates = Array.from({ length: n }, (_, i) => i)
    .filter((i) => expectedProfits === null || (expectedProfits[i] as number) > 0)
    // By probability: the order of the unrounded expected profit (conversionValue >= 0), so customers
    // that rounding to cents puts level keep the more likely buyer first.
    .sort((a, b) => (probabilities[b] as number) - (probabilities[a] as number) || a - b)
  const chosen = candidates.slice(0, budget ?? candidates.length)
  const actions: TargetingAction[] = new Array<TargetingAction>(n).fill('skip')
  for (const i of chosen) actions[i] = 'target'
  const everyone = Array.from({ length: n }, (_, i) => i)
  return {
    actions,
    expectedProfits,
    summary: {
      customers: n,
      expectedBuyers: sumOfProbabilities(probabilities, everyone),
      targeted: chosen.length,
      expectedConversions: sumOfProbabilities(probabilities, chosen),
      expectedProfit: expectedProfits === null ? null : sumOfMoney(expectedProfits, chosen),
      expectedProfitTargetAll: expectedProfits === null ? null : sumOfMoney(expectedProfits, everyone),
      contactCost: contactCost ?? null,
      conversionValue: conversionValue ?? null,
      budget: budget ?? null,
      rule: money
        ? `target when probability x conversionValue - contactCost, rounded to ${MONEY_DECIMALS} decimals, is > 0, highest expected profit first${budget !== undefined ? `, at most ${counted(budget, 'customer')}` : ''}`
        : `target the ${counted(chosen.length, 'customer')} most likely to buy (budget ${budget ?? n})`
    }
  }
}
