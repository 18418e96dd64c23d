// Combines trained members into ONE TensorFlow.js model: the members' logits are averaged and a
// final 1x1 sigmoid layer ("calibration") holds the Platt scaling, so model.predict is the served probability.
import { tfl } from '../artefact/tensorflow.js'
import { SeededDropout } from './seeded-dropout.js'
import { CALIBRATION_LAYER, ENSEMBLE_MODEL_NAME, INPUT_LAYER, MEAN_LOGIT_LAYER } from '../artefact/topology.js'

/** input -> each member up to its logit -> mean logit -> calibration (identity until calibrated). */
export function combineMembers (members: readonly tfl.Sequential[], inputSize: number): tfl.LayersModel {
  if (members.length === 0) throw new Error('an ensemble needs at least one member')
  const input = tfl.input({ shape: [inputSize], name: INPUT_LAYER })
  const logits = members.map((member) => {
    // Every layer but the training-time sigmoid and dropout (the identity at inference; left out so the
    // saved model holds only layers serving knows).
    let x: tfl.SymbolicTensor = input
    for (const layer of member.layers.slice(0, -1)) {
      if (!(layer instanceof SeededDropout)) x = layer.apply(x) as tfl.SymbolicTensor
    }
    return x
  })
  const meanLogit = logits.length === 1
    ? logits[0] as tfl.SymbolicTensor
    : tfl.layers.average({ name: MEAN_LOGIT_LAYER }).apply(logits) as tfl.SymbolicTensor
  const probability = tfl.layers.dense({
    name: CALIBRATION_LAYER,
    units: 1,
    activation: 'sigmoid',
    kernelInitializer: 'ones',
    biasInitializer: 'zeros'
  }).apply(meanLogit) as tfl.SymbolicTensor
  return tfl.model({ name: ENSEMBLE_MODEL_NAME, inputs: input, outputs: probability })
}
