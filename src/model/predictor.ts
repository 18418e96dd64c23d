// Holds the loaded model and its preprocessing; turns customers into calibrated probabilities.
// Knows nothing of HTTP. Tensors never leave this module and are disposed inside tf.tidy.
import { SMALL_INPUT_ROWS, compileEnsemble, type CompiledEnsemble } from './compiled-ensemble.js'
import type { CustomerInputs } from '../domain/customer.js'
import { dataNotes, occludedCustomers, reasonsFrom, referenceValues, type DataNote, type Reason, type ReferenceValues } from './explanations.js'
import { FEATURE_COUNT, toMatrix } from '../domain/features.js'
import type { ModelCard } from '../artefact/model-card.js'
import type { ServingModel } from './serving-model.js'
import type { LoadedArtefact, Preprocessing } from '../artefact/artefact-store.js'
import { tf, type tfl } from '../artefact/tensorflow.js'

export class Predictor implements ServingModel {
  readonly version: string
  readonly threshold: number
  readonly card: ModelCard
  readonly reportHtml: string | null
  readonly executor: string
  private readonly model: tfl.LayersModel
  private readonly preprocessing: Preprocessing
  /** The same model run without layer overhead; null for models of another topology. */
  private readonly compiled: CompiledEnsemble | null
  /** Typical field values that explanations compare each customer with. */
  private readonly reference: ReferenceValues
  /** What the training data shows where explanations surprise (the card's data quirks). */
  private readonly notes: readonly DataNote[]

  constructor (artefact: LoadedArtefact) {
    this.model = artefact.model
    this.preprocessing = artefact.preprocessing
    this.compiled = compileEnsemble(artefact.model, FEATURE_COUNT)
    this.executor = this.compiled !== null
      ? 'compiled ensemble (float64 loops for one customer, member-by-member fused kernels for more)'
      : 'TensorFlow.js predictOnBatch (topology not the one training writes: ~100x slower for one row)'
    this.reference = referenceValues(artefact.card.features, artefact.preprocessing.reviewScoreImputation)
    this.notes = dataNotes(artefact.card.dataQuirks ?? [])
    this.card = artefact.card
    this.reportHtml = artefact.reportHtml
    this.version = artefact.card.version
    this.threshold = artefact.card.threshold
  }

  /** Standardized features of many customers as one row-major matrix. */
  featureMatrix (customers: readonly CustomerInputs[]): Float32Array {
    return toMatrix(customers, this.preprocessing)
  }

  /** Probabilities for a precomputed feature matrix (rows x FEATURE_COUNT). Synchronous: every executor path runs on the CPU. */
  scoreMatrix (values: Float32Array, rows: number): Float32Array {
    if (rows === 0) return new Float32Array(0)
    if (this.compiled !== null) return this.compiled.predict(values, rows)
    const output = tf.tidy(() => this.model.predictOnBatch(tf.tensor2d(values, [rows, FEATURE_COUNT])) as tf.Tensor)
    try {
      return output.dataSync() as Float32Array
    } finally {
      output.dispose()
    }
  }

  async predict (customers: readonly CustomerInputs[]): Promise<Float32Array> {
    return this.scoreMatrix(this.featureMatrix(customers), customers.length)
  }

  /** Top reasons per customer: each field moved to its reference value, the customer scored again. */
  explain (customers: readonly CustomerInputs[], probabilities: ArrayLike<number>): Reason[][] {
    const occluded = occludedCustomers(customers, this.reference)
    return reasonsFrom(customers, probabilities, this.scoreMatrix(this.featureMatrix(occluded), occluded.length), this.reference, this.notes)
  }

  /**
   * Scores typical customers (standardized zeros = the training means) through each executor path
   * (loops, member chains at a small and a large size) and checks the answers are probabilities: the
   * tensor path compiles its wasm kernels on first use, so readiness waits for them.
   */
  async warmUp (): Promise<void> {
    for (const rows of [1, SMALL_INPUT_ROWS + 1, 1000]) {
      const probabilities = this.scoreMatrix(new Float32Array(rows * FEATURE_COUNT), rows)
      const p = probabilities[0]
      if (p === undefined || !(p >= 0 && p <= 1)) throw new Error(`warm-up prediction is not a probability: ${String(p)}`)
    }
  }

  dispose (): void {
    this.compiled?.dispose()
    this.model.dispose()
  }
}
