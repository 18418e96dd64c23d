// The model card stored as card.json in every artefact and served by GET /model.
import { CUSTOMER_FIELDS, type CustomerInputs, type FieldSpec } from './customer.js'
import type { EvaluationMetrics, FeatureImportance, TrainingOptions } from './training/pipeline.js'

export interface FieldStatistics {
  readonly name: string
  readonly unit: string
  readonly description: string
  readonly kaggleColumn: string
  /** Over the training split, customers where the field is present. */
  readonly mean: number
  readonly std: number
  readonly min: number
  readonly max: number
}

export interface ModelCard {
  readonly version: string
  readonly createdAt: string
  readonly description: string
  /** willBuy = probability >= threshold. */
  readonly threshold: number
  readonly thresholdMethod: string
  /** Share of buyers in the training split: what the mean probability should be. */
  readonly baseRate: number
  readonly calibration: { readonly method: string, readonly slope: number, readonly intercept: number }
  readonly metrics: { readonly test: EvaluationMetrics, readonly validation: EvaluationMetrics }
  readonly featureImportance: readonly FeatureImportance[]
  readonly features: readonly FieldStatistics[]
  readonly data: {
    readonly file: string
    readonly sha256: string
    readonly layout: string
    readonly rows: number
    readonly skippedRows: number
    readonly splits: { readonly train: number, readonly validation: number, readonly test: number }
  }
  readonly training: {
    readonly seed: number
    readonly options: TrainingOptions
    readonly members: ReadonlyArray<{ readonly bestEpoch: number, readonly epochsRun: number, readonly validationLogLoss: number }>
    readonly seconds: number
  }
  readonly libraries: Readonly<Record<string, string>>
  /** SHA-256 of model.json, weights.bin and preprocessing.json, verified at load. */
  readonly files: Readonly<Record<string, string>>
}

/** Mean, standard deviation and range of every customer field over the given customers. */
export function fieldStatistics (customers: readonly CustomerInputs[]): FieldStatistics[] {
  return (CUSTOMER_FIELDS as readonly FieldSpec[]).map((field) => {
    const values: number[] = []
    for (const c of customers) {
      const v = (c as Record<string, unknown>)[field.name]
      if (typeof v === 'number') values.push(v)
      else if (typeof v === 'boolean') values.push(v ? 1 : 0)
    }
    const n = Math.max(1, values.length)
    const mean = values.reduce((s, v) => s + v, 0) / n
    const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / n)
    return {
      name: field.name,
      unit: field.unit,
      description: field.description,
      kaggleColumn: field.kaggleColumn,
      mean,
      std,
      min: values.length === 0 ? 0 : Math.min(...values),
      max: values.length === 0 ? 0 : Math.max(...values)
    }
  })
}
