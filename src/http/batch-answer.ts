// The 200 answer of POST /predict/batch, built in one place: the route returns it and the benchmarks
// serialize it, so their copy cannot fall behind batchResponses[200] (it once lacked warnedCustomers).
import type { ScoredCustomer, ScoringResult } from '../scoring/score-customers.js'
import type { TargetingSummary } from '../scoring/targeting.js'

/** A customer left out in partial mode: its index in the request and what is wrong. */
export interface RefusedCustomer {
  readonly index: number
  readonly path: string
  readonly message: string
}

export interface BatchAnswer {
  readonly modelVersion: string
  readonly threshold: number
  readonly predictions: readonly ScoredCustomer[]
  readonly targeting: TargetingSummary | undefined
  readonly warnedCustomers: number
  /** Partial mode only (undefined fields are left out of the JSON). */
  readonly errors: readonly RefusedCustomer[] | undefined
}

export function batchAnswer (
  result: Pick<ScoringResult, 'modelVersion' | 'threshold' | 'predictions' | 'targeting' | 'warnedCustomers'>,
  errors?: readonly RefusedCustomer[]
): BatchAnswer {
  return {
    modelVersion: result.modelVersion,
    threshold: result.threshold,
    predictions: result.predictions,
    targeting: result.targeting,
    warnedCustomers: result.warnedCustomers,
    errors
  }
}
