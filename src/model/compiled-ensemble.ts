// A faster executor for the trained ensemble, built from the TensorFlow.js model's own weights.
// model.predictOnBatch runs ~20 layer ops per call (~1 ms even for one row); here the same
// arithmetic runs as plain loops for one customer and member by member as fused TensorFlow.js ops for
// two or more. The TensorFlow.js model stays the definition: compileEnsemble checks both paths against
// model.predictOnBatch on golden inputs and refuses to build when they differ by more than 1e-6.
//
// One path for every batch size: a customer's reported probability (9 decimals) must not depend on the
// customers it was sent with. A third, "wide" path (the members as one block-diagonal network) once
// served 13 to 999 rows; its float32 sums ran in another order and moved 1 in 4 probabilities in the
// 8th or 9th decimal (up to 1.2e-7) against the same customers in a batch of 1,000, so the file CLI's
// last, shorter chunk and a small API batch could read differently. Measured in process with the
// committed model (a scratch script, not kept, timing each path's function on golden-sized inputs,
// 2026-11-29, two passes), loops / wide / member: 1 row 0.014-0.021 / 0.050-0.104 / 0.26 ms; 12 rows 0.17 /
// 0.06-0.075 / 0.26-0.29 ms; 100 rows 1.5-1.7 / 0.21-0.29 / 0.30-0.45 ms; 1,000 rows 14-15 / 1.7-1.8 /
// 0.85-0.95 ms; 10,000 rows 170-192 / 18-20 / 7.8-8.2 ms. Giving up the wide path costs at most ~0.2 ms
// per small batch.
import { CALIBRATION_LAYER, hiddenLayerName, logitLayerName } from '../artefact/topology.js'
import { createRandom } from '../domain/seeded-random.js'
import { tf, type tfl } from '../artefact/tensorflow.js'

/**
 * Largest input scored with plain loops (float64): one customer, as POST /predict sends, 12-18x faster
 * than the tensor path. Its sums are exact where float32 rounds, so a customer scored alone can read
 * up to ~2e-7 away from the same customer in a batch (documented on the API; a review measured at most
 * 1.79e-7 over 5,000 synthetic customers, a black-box run 6.0e-8 over 2,000 real ones).
 */
export const SMALL_INPUT_ROWS = 1
/** Most any executed output may differ from model.predictOnBatch. */
export const AGREEMENT_TOLERANCE = 1e-6

interface Dense {
  readonly inputs: number
  readonly outputs: number
  /** Row-major inputs x outputs, as Keras stores it. */
  readonly kernel: Float32Array
  readonly bias: Float32Array
}

interface EnsembleWeights {
  /** Per member: ReLU hidden layers, then the linear logit layer (1 output). */
  readonly members: ReadonlyArray<readonly Dense[]>
  readonly slope: number
  readonly intercept: number
}

export interface CompiledEnsemble {
  /** Calibrated probabilities for `rows` standardized feature rows. */
  predict: (values: Float32Array, rows: number) => Float32Array
  dispose: () => void
}

function denseOf (layer: tfl.layers.Layer): Dense {
  const [kernel, bias] = layer.getWeights()
  if (kernel === undefined || bias === undefined || kernel.shape.length !== 2) throw new Error(`layer ${layer.name} is not a dense layer with bias`)
  return {
    inputs: kernel.shape[0] as number,
    outputs: kernel.shape[1] as number,
    kernel: kernel.dataSync() as Float32Array,
    bias: bias.dataSync() as Float32Array
  }
}

function activationOf (layer: tfl.layers.Layer): string {
  return String((layer.getConfig() as { activation?: unknown }).activation ?? 'linear')
}

/** The ensemble's weights, or null when the model is not the topology training writes. */
function extractEnsemble (model: tfl.LayersModel): EnsembleWeights | null {
  const byName = new Map(model.layers.map((layer) => [layer.name, layer]))
  const calibration = byName.get(CALIBRATION_LAYER)
  if (calibration === undefined || activationOf(calibration) !== 'sigmoid') return null
  const members: Dense[][] = []
  for (let k = 0; byName.has(logitLayerName(k)); k++) {
    const layers: Dense[] = []
    for (let i = 1; byName.has(hiddenLayerName(k, i)); i++) {
      const layer = byName.get(hiddenLayerName(k, i)) as tfl.layers.Layer
      if (activationOf(layer) !== 'relu') return null
      layers.push(denseOf(layer))
    }
    const logit = byName.get(logitLayerName(k)) as tfl.layers.Layer
    if (activationOf(logit) !== 'linear') return null
    layers.push(denseOf(logit))
    members.push(layers)
  }
  if (members.length === 0) return null
  const shape = members[0]?.map((d) => `${d.inputs}x${d.outputs}`).join(',')
  if (members.some((m) => m.map((d) => `${d.inputs}x${d.outputs}`).join(',') !== shape)) return null
  // Every layer of the model must be accounted for, or the graph does something this file does not.
  const known = members.reduce((n, m) => n + m.length, 0) + 1 + (members.length > 1 ? 1 : 0)
  const actual = model.layers.filter((l) => l.getClassName() !== 'InputLayer').length
  if (known !== actual) return null
  const scaling = denseOf(calibration)
  return { members, slope: scaling.kernel[0] as number, intercept: scaling.bias[0] as number }
}

/** One member layer for the loop path: kernel transposed (outputs x inputs) in float64 so the inner loop is contiguous. */
interface LoopLayer { readonly inputs: number, readonly outputs: number, readonly kernelT: Float64Array, readonly bias: Float64Array, readonly relu: boolean }

function loopLayers (weights: EnsembleWeights): LoopLayer[][] {
  return weights.members.map((layers) => layers.map((d, l) => {
    const kernelT = new Float64Array(d.inputs * d.outputs)
    for (let i = 0; i < d.inputs; i++) for (let o = 0; o < d.outputs; o++) kernelT[o * d.inputs + i] = d.kernel[i * d.outputs + o] as number
    return { inputs: d.inputs, outputs: d.outputs, kernelT, bias: Float64Array.from(d.bias), relu: l < layers.length - 1 }
  }))
}

/** Plain loops in float64, member by member, for a few rows. */
function predictWithLoops (members: LoopLayer[][], slope: number, intercept: number, values: Float32Array, rows: number, buffers: [Float64Array, Float64Array]): Float32Array {
  const out = new Float32Array(rows)
  let [current, next] = buffers
  const count = members.length
  const inputs = members[0]?.[0]?.inputs ?? 0
  for (let r = 0; r < rows; r++) {
    let logitSum = 0
    const rowOffset = r * inputs
    for (let m = 0; m < count; m++) {
      const layers = members[m] as LoopLayer[]
      for (let j = 0; j < inputs; j++) current[j] = values[rowOffset + j] as number
      for (let l = 0; l < layers.length; l++) {
        const { inputs: n, outputs, kernelT, bias, relu } = layers[l] as LoopLayer
        for (let o = 0; o < outputs; o++) {
          let sum = bias[o] as number
          const base = o * n
          for (let i = 0; i < n; i++) sum += (current[i] as number) * (kernelT[base + i] as number)
          next[o] = relu && sum < 0 ? 0 : sum
        }
        const swap = current
        current = next
        next = swap
      }
      logitSum += current[0] as number
    }
    const z = slope * (logitSum / count) + intercept
    out[r] = 1 / (1 + Math.exp(-z))
  }
  return out
}

interface TensorLayer { readonly kernel: tf.Tensor2D, readonly bias: tf.Tensor1D }

interface MemberChains {
  /** Per member: its layers, the logit layer scaled by slope / members and without bias. */
  readonly members: ReadonlyArray<readonly TensorLayer[]>
  /** The logit biases (scaled) plus the calibration intercept, added once to the summed logits. */
  readonly bias: tf.Scalar
}

/** Each member on its own (no zeros), logits scaled so that their sum is the calibrated logit. */
function memberChains (weights: EnsembleWeights): MemberChains {
  const k = weights.members.length
  const scale = weights.slope / k
  let bias = weights.intercept
  const members = weights.members.map((layers) => layers.map((d, l) => {
    const last = l === layers.length - 1
    if (last) bias += (d.bias[0] as number) * scale
    return {
      kernel: tf.tensor2d(last ? d.kernel.map((w) => w * scale) : d.kernel, [d.inputs, d.outputs]),
      bias: tf.tensor1d(last ? new Float32Array(d.outputs) : d.bias)
    }
  }))
  return { members, bias: tf.scalar(bias) }
}

/** Standardized-looking golden rows: zeros and seeded values in [-4, 4]. */
export function goldenInputs (columns: number, rows = 256): Float32Array {
  const random = createRandom(20261127)
  const values = new Float32Array(rows * columns)
  for (let i = columns; i < values.length; i++) values[i] = (random() * 2 - 1) * 4
  return values
}

function maxDifference (a: Float32Array, b: Float32Array): number {
  let worst = 0
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)))
  return worst
}

/** Returns null when the model is not a training-written ensemble (the caller then uses predictOnBatch). */
export function compileEnsemble (model: tfl.LayersModel, columns: number): CompiledEnsemble | null {
  const weights = extractEnsemble(model)
  if (weights === null) return null
  const chains = memberChains(weights)
  const loops = loopLayers(weights)
  // Two scratch rows sized once for the widest layer (the loop path allocates nothing else per call).
  const width = Math.max(...loops.flatMap((m) => m.map((d) => Math.max(d.inputs, d.outputs))))
  const buffers: [Float64Array, Float64Array] = [new Float64Array(width), new Float64Array(width)]
  const small = (values: Float32Array, rows: number): Float32Array => predictWithLoops(loops, weights.slope, weights.intercept, values, rows, buffers)
  const read = (output: tf.Tensor): Float32Array => {
    try {
      return output.dataSync() as Float32Array
    } finally {
      output.dispose()
    }
  }
  const predictByMember = (values: Float32Array, rows: number): Float32Array => read(tf.tidy(() => {
    const x = tf.tensor2d(values.subarray(0, rows * columns), [rows, columns])
    let logit: tf.Tensor2D | null = null
    for (const layers of chains.members) {
      let h = x
      layers.forEach((layer, i) => {
        h = tf.fused.matMul({ a: h, b: layer.kernel, bias: layer.bias, activation: i === layers.length - 1 ? 'linear' : 'relu' }) as tf.Tensor2D
      })
      logit = logit === null ? h : tf.add<tf.Tensor2D>(logit, h)
    }
    return tf.sigmoid(tf.add(logit as tf.Tensor2D, chains.bias))
  }))
  const compiled: CompiledEnsemble = {
    predict: (values, rows) => (rows <= SMALL_INPUT_ROWS ? small(values, rows) : predictByMember(values, rows)),
    dispose: () => {
      for (const layer of chains.members.flat()) tf.dispose([layer.kernel, layer.bias])
      chains.bias.dispose()
    }
  }
  const golden = goldenInputs(columns)
  const rows = golden.length / columns
  const reference = tf.tidy(() => (model.predictOnBatch(tf.tensor2d(golden, [rows, columns])) as tf.Tensor).dataSync() as Float32Array)
  // Every path on the same rows, whatever sizes they are chosen for.
  const worst = Math.max(
    maxDifference(small(golden, rows), reference),
    maxDifference(predictByMember(golden, rows), reference)
  )
  if (!(worst <= AGREEMENT_TOLERANCE)) {
    compiled.dispose()
    throw new Error(`compiled ensemble differs from TensorFlow.js model.predict by ${worst} (> ${AGREEMENT_TOLERANCE})`)
  }
  return compiled
}
