// The model card stored as card.json in every artefact and served by GET /model: its types, which
// training writes and serving reads. The code that computes the figures lives in training/.

/** How each member network is fitted. */
export interface FitOptions {
  readonly hiddenUnits: readonly number[]
  readonly learningRate: number
  readonly batchSize: number
  readonly maxEpochs: number
  readonly patience: number
  readonly l2: number
  readonly seed: number
}

export interface TrainingOptions extends FitOptions {
  readonly validationFraction: number
  readonly testFraction: number
  /** Members trained with different seeds; their logits are averaged. */
  readonly ensembleSize: number
  /** Platt-scale the outputs on the validation split (folded into the model's last layer). */
  readonly calibrate: boolean
}

export interface CalibrationBin {
  readonly lower: number
  readonly upper: number
  readonly count: number
  readonly meanPredicted: number
  readonly observedRate: number
}

export interface ThresholdMetrics {
  readonly threshold: number
  readonly accuracy: number
  readonly precision: number
  readonly recall: number
  readonly f1: number
  readonly confusion: { readonly truePositives: number, readonly falsePositives: number, readonly trueNegatives: number, readonly falseNegatives: number }
}

export interface EvaluationMetrics {
  readonly rows: number
  readonly baseRate: number
  readonly meanProbability: number
  readonly rocAuc: number
  readonly prAuc: number
  readonly logLoss: number
  readonly brierScore: number
  readonly expectedCalibrationError: number
  readonly calibrationBins: CalibrationBin[]
  readonly atThreshold: ThresholdMetrics
  readonly captureTop10: number
  readonly captureTop20: number
  /** Accuracy on a seeded class-balanced sample, deciding "buys" when p >= training base rate (the prior-corrected 0.5 rule of the classic recipe). */
  readonly balancedSampleAccuracy: number
}

export interface FeatureImportance {
  readonly field: string
  /** Mean drop in test ROC AUC when this customer field is shuffled across customers. */
  readonly aucDrop: number
}

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

/**
 * One customer field's distribution over the training split, the reference drift is measured against.
 * Bins are closed above: bin 0 holds values <= cuts[0], bin i values in (cuts[i-1], cuts[i]], the last
 * bin values above the last cut (so serving values beyond the training range still land in a bin).
 * Booleans count as 0 and 1.
 */
export interface FieldDistribution {
  readonly field: string
  /** Ascending cut points; cuts.length + 1 bins. */
  readonly cuts: readonly number[]
  /** Share of training customers in each bin (cuts.length + 1 values, summing to 1). */
  readonly shares: readonly number[]
  /**
   * Optional fields only: the share of training customers without a value, and the value they are
   * binned as (the imputation the model uses), so a missing score and the imputed one look alike.
   */
  readonly missing?: { readonly share: number, readonly binnedAs: number }
}

export interface InputDistribution {
  /** How the bins were chosen (for a reader of the card). */
  readonly method: string
  /** Training customers counted. */
  readonly rows: number
  /** One entry per customer field, in CUSTOMER_FIELDS order. */
  readonly fields: readonly FieldDistribution[]
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
  /** Training-split distribution of every customer field, for drift monitoring; absent on artefacts trained before it existed. */
  readonly inputDistribution?: InputDistribution
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
