// Platt scaling on out-of-fold logits, folded into the model's last sigmoid layer so the saved model
// itself outputs calibrated probabilities: sigmoid(a * (w.h + c) + b) = sigmoid((a w).h + (a c + b)).
import { tf, type tfl } from '../artefact/tensorflow.js'

export interface PlattScaling {
  /** Multiplies the logit. */
  readonly slope: number
  /** Added to the scaled logit. */
  readonly intercept: number
}

const CLIP = 1e-7

export function logit (p: number): number {
  const q = Math.min(1 - CLIP, Math.max(CLIP, p))
  return Math.log(q / (1 - q))
}

function sigmoid (z: number): number {
  return 1 / (1 + Math.exp(-z))
}

function meanNegativeLogLikelihood (z: readonly number[], labels: ArrayLike<number>, a: number, b: number): number {
  let sum = 0
  for (let i = 0; i < z.length; i++) {
    const t = a * (z[i] as number) + b
    // log(1 + e^t) - y t, computed without overflow.
    sum += (t > 0 ? t + Math.log1p(Math.exp(-t)) : Math.log1p(Math.exp(t))) - (labels[i] as number) * t
  }
  return sum / z.length
}

/**
 * Maximum-likelihood slope and intercept for sigmoid(slope * logit(p) + intercept): Newton's method
 * with step halving, so every accepted step lowers the loss (a plain Newton step can diverge when
 * the data are nearly separable or unrelated to the scores).
 */
export function fitPlattScaling (probabilities: ArrayLike<number>, labels: ArrayLike<number>): PlattScaling {
  const z = Array.from(probabilities, logit)
  let a = 1
  let b = 0
  let loss = meanNegativeLogLikelihood(z, labels, a, b)
  for (let iteration = 0; iteration < 100; iteration++) {
    // Gradient and Hessian of the mean negative log-likelihood.
    let ga = 0; let gb = 0; let haa = 0; let hab = 0; let hbb = 0
    for (let i = 0; i < z.length; i++) {
      const zi = z[i] as number
      const p = sigmoid(a * zi + b)
      const r = p - (labels[i] as number)
      const w = Math.max(p * (1 - p), 1e-12)
      ga += r * zi; gb += r
      haa += w * zi * zi; hab += w * zi; hbb += w
    }
    const det = haa * hbb - hab * hab
    if (!(Math.abs(det) > 1e-18)) break
    const da = (hbb * ga - hab * gb) / det
    const db = (haa * gb - hab * ga) / det
    let step = 1
    let improved = false
    while (step > 1e-8) {
      const nextLoss = meanNegativeLogLikelihood(z, labels, a - step * da, b - step * db)
      if (nextLoss <= loss) {
        a -= step * da
        b -= step * db
        improved = loss - nextLoss > 1e-14
        loss = nextLoss
        break
      }
      step /= 2
    }
    if (!improved) break
  }
  if (!Number.isFinite(a) || !Number.isFinite(b)) return { slope: 1, intercept: 0 }
  return { slope: a, intercept: b }
}

/** The Platt-scaled probabilities, as the folded model would output them (up to float32 rounding). */
export function applyPlattScaling (probabilities: ArrayLike<number>, scaling: PlattScaling): Float32Array {
  return Float32Array.from(probabilities, (p) => sigmoid(scaling.slope * logit(p) + scaling.intercept))
}

/** Rewrites the last Dense layer's kernel and bias so the model outputs the Platt-scaled probability. */
export function foldPlattIntoModel (model: tfl.LayersModel, scaling: PlattScaling): void {
  const last = model.layers[model.layers.length - 1]
  if (last === undefined) throw new Error('model has no layers')
  const [kernel, bias] = last.getWeights()
  if (kernel === undefined || bias === undefined) throw new Error('last layer has no kernel and bias')
  const scaled = tf.tidy(() => [
    tf.mul(kernel, scaling.slope),
    tf.add(tf.mul(bias, scaling.slope), scaling.intercept)
  ])
  last.setWeights(scaled)
  tf.dispose(scaled)
}
