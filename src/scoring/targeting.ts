// Targeting decisions for a scored batch: whom to contact given what a contact costs, what a
// conversion is worth and how many contacts the budget allows. Pure: probabilities in, plan out.

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
  /** p * conversionValue - contactCost per customer, or null without money figures. */
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

/**
 * With money figures: target customers whose expected profit p * V - C is positive, highest first,
 * at most `budget` of them. With a budget alone: the `budget` most likely buyers.
 * Ties keep the input order, so the plan is deterministic.
 */
export function planTargeting (probabilities: ArrayLike<number>, options: TargetingOptions): TargetingPlan {
  const n = probabilities.length
  const { contactCost, conversionValue, budget } = options
  const money = contactCost !== undefined && conversionValue !== undefined
  const expectedProfits = money ? Array.from(probabilities, (p) => p * conversionValue - contactCost) : null
  const score = (i: number): number => (expectedProfits !== null ? expectedProfits[i] as number : probabilities[i] as number)
  const candidates = Array.from({ length: n }, (_, i) => i)
    .filter((i) => expectedProfits === null || (expectedProfits[i] as number) > 0)
    .sort((a, b) => score(b) - score(a) || a - b)
  const chosen = candidates.slice(0, budget ?? candidates.length)
  const actions: TargetingAction[] = new Array<TargetingAction>(n).fill('skip')
  let expectedConversions = 0
  let expectedProfit = 0
  for (const i of chosen) {
    actions[i] = 'target'
    expectedConversions += probabilities[i] as number
    expectedProfit += expectedProfits?.[i] ?? 0
  }
  let expectedBuyers = 0
  for (let i = 0; i < n; i++) expectedBuyers += probabilities[i] as number
  return {
    actions,
    expectedProfits,
    summary: {
      customers: n,
      expectedBuyers,
      targeted: chosen.length,
      expectedConversions,
      expectedProfit: money ? expectedProfit : null,
      expectedProfitTargetAll: expectedProfits === null ? null : expectedProfits.reduce((s, x) => s + x, 0),
      contactCost: contactCost ?? null,
      conversionValue: conversionValue ?? null,
      budget: budget ?? null,
      rule: money
        ? `target when probability x conversionValue - contactCost > 0, highest expected profit first${budget !== undefined ? `, at most ${budget}` : ''}`
        : `target the ${chosen.length} customers most likely to buy (budget ${budget ?? n})`
    }
  }
}
