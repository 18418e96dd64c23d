// The one place that loads TensorFlow.js: the pure-JS packages (tfjs-node cannot be installed here),
// with the cpu backend and the wasm backend, which runs this model's kernels several times faster.
import * as tf from '@tensorflow/tfjs-core'
import * as tfl from '@tensorflow/tfjs-layers'
import '@tensorflow/tfjs-backend-cpu'
import '@tensorflow/tfjs-backend-wasm'

export { tf, tfl }

/** TensorFlow.js backends the service can score with. */
export const BACKENDS = ['wasm', 'cpu'] as const
export type BackendName = (typeof BACKENDS)[number]

/**
 * Selects a backend. PROD mode skips debug checks and silences the "install tfjs-node" banner,
 * which cannot apply on this platform.
 */
export async function initTensorFlow (backend: BackendName = 'wasm'): Promise<void> {
  tf.env().set('PROD', true)
  if (tf.getBackend() !== backend) {
    const ok = await tf.setBackend(backend)
    if (!ok) throw new Error(`TensorFlow.js ${backend} backend failed to initialize`)
  }
  await tf.ready()
}

/** Library versions recorded in the model card. */
export function tensorFlowVersions (): Record<string, string> {
  return { 'tfjs-core': tf.version_core, 'tfjs-layers': tfl.version_layers, backend: tf.getBackend() }
}
