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
  /** Dropout rate after each hidden layer while fitting (0: none); absent on artefacts trained before it existed. */
  readonly dropout?: number
  readonly seed: number
}

export interface TrainingOptions extends FitOptions {
  /** Share of customers held out for the card's test metrics; no member ever sees them. */
  readonly testFraction: number
  /**
   * Cross-fitting folds over the rest: member k trains on the other folds and early-stops on fold k, so
   * every non-test row is learned from and also predicted out of fold once. One member per fold.
   */
  readonly folds: number
  /** Platt-scale the outputs on the out-of-fold logits (folded into the model's last layer). */
  readonly calibrate: boolean
}

/** One configuration of `npm run train -- --search`. */
export interface SearchRow {
  readonly hiddenUnits: readonly number[]
  readonly l2: number
  readonly dropout: number
  /** Out-of-fold log loss after Platt scaling: the ranking figure. */
  readonly logLoss: number
  readonly rocAuc: number
  /** Each member on its own fold, before calibration. */
  readonly perFoldLogLoss: FoldSpread
  readonly plattSlope: number
  readonly seconds: number
}

/** A figure's mean and standard deviation over the cross-fitting folds. */
export interface FoldSpread {
  readonly mean: number
  readonly std: number
}

/** Cross-validated quality: every non-test customer scored by the member that never learned from it. */
export interface CrossValidationMetrics {
  readonly folds: number
  /** All out-of-fold predictions pooled, after Platt scaling. */
  readonly outOfFold: EvaluationMetrics
  /** Per fold (each member on its own early-stopping fold, before Platt scaling), mean and spread. */
  readonly perFold: { readonly rocAuc: FoldSpread, readonly logLoss: FoldSpread, readonly expectedCalibrationError: FoldSpread }
}

/**
 * A rule the training data obeys that a reader of the model and its explanations must know, with the
 * counts that show it in the training file (computed at training time, not written by hand).
 */
export interface DataQuirk {
  /** Stable identifier, e.g. "listened-never-bought". */
  readonly id: string
  /** What the data shows, in plain words with counts. */
  readonly finding: string
  /** What it means for the model's probabilities and explanations. */
  readonly meaning: string
  /** The customers the rule is about and the buyers among them; absent on cards written before. */
  readonly group?: { readonly customers: number, readonly buyers: number }
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
  /**
   * Spearman rank correlation between the field's value and the predicted probability over the test
   * customers: > 0 higher values go with higher probabilities, < 0 with lower. Absent on older artefacts.
   */
  readonly direction?: number
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
  /** test: the held-out split. crossValidation: cross-fitted artefacts; validation: artefacts trained before cross-fitting. */
  readonly metrics: { readonly test: EvaluationMetrics, readonly crossValidation?: CrossValidationMetrics, readonly validation?: EvaluationMetrics }
  /** Rules of the training data that explain surprising explanations; absent on artefacts trained before. */
  readonly dataQuirks?: readonly DataQuirk[]
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
    /** train: rows the members learned from (all folds together); validation: artefacts before cross-fitting only. */
    readonly splits: { readonly train: number, readonly test: number, readonly folds?: number, readonly validation?: number }
  }
  readonly training: {
    readonly seed: number
    readonly options: TrainingOptions
    readonly members: ReadonlyArray<{ readonly bestEpoch: number, readonly epochsRun: number, readonly validationLogLoss: number }>
    readonly seconds: number
    /** Present when this artefact was trained with --search: every configuration tried, best first. */
    readonly search?: { readonly rankedBy: string, readonly rows: readonly SearchRow[] }
  }
  readonly libraries: Readonly<Record<string, string>>
  /** SHA-256 of model.json, weights.bin and preprocessing.json, verified at load. */
  readonly files: Readonly<Record<string, string>>
}
