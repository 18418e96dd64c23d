// Builds the MLP and fits it with a seeded shuffle and early stopping that restores the best weights.
import type { CustomerInputs } from '../domain/customer.js'
import { FEATURE_COUNT, toMatrix, type FeatureStats } from '../domain/features.js'
import { createRandom, shuffleInPlace } from '../domain/seeded-random.js'
import { tf, tfl } from '../artefact/tensorflow.js'
import type { FitOptions } from '../artefact/model-card.js'
import { hiddenLayerName, logitLayerName, memberName, memberProbabilityLayerName } from '../artefact/topology.js'
import { logLoss } from '../evaluation/classifier-metrics.js'
import { SeededDropout } from './seeded-dropout.js'

export interface EpochReport {
  readonly member: number
  readonly epoch: number
  readonly loss: number
  readonly validationLoss: number
  readonly elapsedSeconds: number
  readonly improved: boolean
}

export interface FitResult {
  readonly model: tfl.Sequential
  readonly bestEpoch: number
  readonly epochsRun: number
  readonly bestValidationLoss: number
}

export interface Matrix {
  /** Row-major values, rows x columns. */
  readonly values: Float32Array
  readonly rows: number
  readonly columns: number
}

/**
 * One ensemble member: dense ReLU layers (each followed by seeded dropout when `dropout` > 0), then a
 * linear logit unit, then a sigmoid for training.
 * Layers are named explicitly (artefact/topology.ts) and every initializer is seeded, so the saved topology
 * and weights repeat exactly for a seed; the ensemble reuses the layers up to the logit.
 */
export function buildMember (inputSize: number, member: number, options: Pick<FitOptions, 'hiddenUnits' | 'l2' | 'dropout' | 'seed'>): tfl.Sequential {
  const model = tfl.sequential({ name: memberName(member) })
  const regularizer = options.l2 > 0 ? tfl.regularizers.l2({ l2: options.l2 }) : undefined
  const seed = options.seed * 1009 + member * 101
  options.hiddenUnits.forEach((units, i) => {
    model.add(tfl.layers.dense({
      ...(i === 0 ? { inputShape: [inputSize] } : {}),
      name: hiddenLayerName(member, i + 1),
      units,
      activation: 'relu',
      kernelInitializer: tfl.initializers.heNormal({ seed: seed + i }),
      ...(regularizer !== undefined ? { kernelRegularizer: regularizer } : {})
    }))
    const rate = options.dropout ?? 0
    if (rate > 0) model.add(new SeededDropout({ rate, seed: seed * 7 + i * 100_003, name: `m${member}_dropout${i + 1}` }))
  })
  model.add(tfl.layers.dense({
    name: logitLayerName(member),
    units: 1,
    kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 99 })
  }))
  model.add(tfl.layers.activation({ name: memberProbabilityLayerName(member), activation: 'sigmoid' }))
  return model
}

/** Customers as the feature matrix the members learn from. */
export function asMatrix (customers: readonly CustomerInputs[], stats: FeatureStats): Matrix {
  return { values: toMatrix(customers, stats), rows: customers.length, columns: FEATURE_COUNT }
}

/** Probabilities for every row, in one call. */
export function predictMatrix (model: tfl.LayersModel, matrix: Matrix): Float32Array {
  return tf.tidy(() => {
    const input = tf.tensor2d(matrix.values, [matrix.rows, matrix.columns])
    const output = model.predictOnBatch(input) as tf.Tensor
    return output.dataSync() as Float32Array
  })
}

function gatherRows (matrix: Matrix, order: readonly number[]): Float32Array {
  const out = new Float32Array(order.length * matrix.columns)
  order.forEach((row, i) => out.set(matrix.values.subarray(row * matrix.columns, (row + 1) * matrix.columns), i * matrix.columns))
  return out
}

/**
 * Trains on `train`, watching log loss on `validation` after every epoch. Stops after `patience`
 * epochs without improvement and restores the weights of the best epoch.
 * Each epoch's order comes from a seeded shuffle (fit's own shuffle uses Math.random).
 */
export async function fitWithEarlyStopping (
  train: Matrix, trainLabels: readonly number[],
  validation: Matrix, validationLabels: readonly number[],
  options: FitOptions,
  member: number,
  onEpoch: (report: EpochReport) => void = () => {}
): Promise<FitResult> {
  const model = buildMember(train.columns, member, options)
  // Kept to be disposed below: the model does not own it, and its moment estimates would stay in memory.
  const optimizer = tf.train.adam(options.learningRate)
  model.compile({ optimizer, loss: 'binaryCrossentropy' })
  const random = createRandom((options.seed * 1009 + member * 101) ^ 0x5eed)
  const order = Array.from({ length: train.rows }, (_, i) => i)
  const started = performance.now()
  let best = { epoch: 0, loss: Number.POSITIVE_INFINITY, weights: [] as tf.Tensor[] }
  let epoch = 0
  try {
    for (epoch = 1; epoch <= options.maxEpochs; epoch++) {
      shuffleInPlace(order, random)
      const x = tf.tensor2d(gatherRows(train, order), [train.rows, train.columns])
      const y = tf.tensor2d(order.map((i) => trainLabels[i] as number), [train.rows, 1])
      const history = await model.fit(x, y, { epochs: 1, batchSize: options.batchSize, shuffle: false, verbose: 0 })
      tf.dispose([x, y])
      const loss = Number(history.history.loss?.[0])
      const validationLoss = logLoss(predictMatrix(model, validation), validationLabels)
      const improved = validationLoss < best.loss - 1e-6
      if (improved) {
        tf.dispose(best.weights)
        best = { epoch, loss: validationLoss, weights: model.getWeights().map((w) => w.clone()) }
      }
      onEpoch({ member, epoch, loss, validationLoss, elapsedSeconds: (performance.now() - started) / 1000, improved })
      if (epoch - best.epoch >= options.patience) break
    }
    model.setWeights(best.weights)
  } finally {
    tf.dispose(best.weights)
    optimizer.dispose()
  }
  return { model, bestEpoch: best.epoch, epochsRun: Math.min(epoch, options.maxEpochs), bestValidationLoss: best.loss }
}
