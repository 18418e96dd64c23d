// Dropout whose masks repeat for a seed. tfjs' own Dropout with a `seed` draws the SAME mask on every
// batch (randomUniform re-seeds per call), and without one it uses Math.random, so training would not be
// byte-reproducible. This layer seeds each training call with seed + call count. At inference it is the
// identity, and combineMembers leaves it out, so it is never saved and serving never needs it.
import { tf, tfl } from '../artefact/tensorflow.js'

export class SeededDropout extends tfl.layers.Layer {
  static readonly className = 'SeededDropout'
  private readonly rate: number
  private readonly seed: number
  private calls = 0

  constructor (args: { rate: number, seed: number, name: string }) {
    super({ name: args.name })
    if (!(args.rate > 0 && args.rate < 1)) throw new Error(`dropout rate must be in (0, 1), got ${args.rate}`)
    this.rate = args.rate
    this.seed = args.seed
  }

  override computeOutputShape (inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape
  }

  override call (inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const input = Array.isArray(inputs) ? inputs[0] as tf.Tensor : inputs
    if (kwargs.training !== true) return input
    const seed = this.seed + this.calls++
    return tf.tidy(() => tf.dropout(input, this.rate, undefined, seed))
  }

  override getConfig (): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed }
  }
}
