// Combines trained members into ONE TensorFlow.js model: the members' logits are averaged and a
// final 1x1 sigmoid layer ("calibration") holds the Platt scaling, so model.predict is the served probability.
import { tfl } from '../tf.js'

export const CALIBRATION_LAYER = 'calibration'

/** input -> each member up to its logit -> mean logit -> calibration (identity until calibrated). */
export function combineMembers (members: readonly tfl.Sequential[], inputSize: number): tfl.LayersModel {
  if (members.length === 0) throw new Error('an ensemble needs at least one member')
  const input = tfl.input({ shape: [inputSize], name: 'features' })
  const logits = members.map((member) => {
    // Every layer but the training-time sigmoid.
    let x: tfl.SymbolicTensor = input
    for (const layer of member.layers.slice(0, -1)) x = layer.apply(x) as tfl.SymbolicTensor
    return x
  })
  const meanLogit = logits.length === 1
    ? logits[0] as tfl.SymbolicTensor
    : tfl.layers.average({ name: 'mean_logit' }).apply(logits) as tfl.SymbolicTensor
  const probability = tfl.layers.dense({
    name: CALIBRATION_LAYER,
    units: 1,
    activation: 'sigmoid',
    kernelInitializer: 'ones',
    biasInitializer: 'zeros'
  }).apply(meanLogit) as tfl.SymbolicTensor
  return tfl.model({ name: 'buy_again', inputs: input, outputs: probability })
}
