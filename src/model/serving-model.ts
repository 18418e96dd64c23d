// What serving needs from a loaded model: its identity, its card, and calibrated probabilities.
// The predictor implements it; tests and benchmarks supply stubs. Knows nothing of HTTP.
import type { ModelCard } from '../artefact/model-card.js'
import type { CustomerInputs } from '../domain/customer.js'
import type { Reason } from './explanations.js'

export interface ServingModel {
  readonly version: string
  /** Default decision threshold: willBuy = probability >= threshold. */
  readonly threshold: number
  readonly card: ModelCard
  /** The artefact's report.html (charts of the test metrics), or null. */
  readonly reportHtml?: string | null
  /** Which code computes the probabilities (logged when the model starts serving). */
  readonly executor?: string
  /** Calibrated probabilities, one per customer, same order. */
  predict: (customers: readonly CustomerInputs[]) => Promise<Float32Array>
  /** The top reasons behind each probability (see explanations.ts); absent on stub models. */
  explain?: (customers: readonly CustomerInputs[], probabilities: ArrayLike<number>) => Reason[][]
  /** Frees the model's tensors; called once nothing scores with it any more. */
  dispose?: () => void
}
