// The ensemble's layer names: training writes them, the serving executor reads them. Stated once here,
// so a rename in one place cannot silently send serving down the slow generic path.

/** The model's input layer. */
export const INPUT_LAYER = 'features'
/** Averages the members' logits (absent for a one-member ensemble). */
export const MEAN_LOGIT_LAYER = 'mean_logit'
/** The 1x1 sigmoid layer holding the Platt scaling: its output is the served probability. */
export const CALIBRATION_LAYER = 'calibration'
/** The combined model's name. */
export const ENSEMBLE_MODEL_NAME = 'buy_again'

/** Member k's own name (its training-time Sequential model). */
export function memberName (member: number): string {
  return `m${member}`
}

/** Member k's i-th ReLU hidden layer, i from 1. */
export function hiddenLayerName (member: number, layer: number): string {
  return `m${member}_hidden${layer}`
}

/** Member k's linear logit layer. */
export function logitLayerName (member: number): string {
  return `m${member}_logit`
}

/** Member k's training-time sigmoid (dropped when the members are combined). */
export function memberProbabilityLayerName (member: number): string {
  return `m${member}_probability`
}
