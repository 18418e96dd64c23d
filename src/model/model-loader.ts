// Loads one artefact directory into a model ready to serve: files verified (checksums, preprocessing
// hash, shapes: artefact-store.ts), the executor's golden check passed (compiled-ensemble.ts), warmed
// up. Every failure is an ArtefactError naming the file, and nothing stays allocated after one, so a
// bad version can be refused while another keeps serving.
import { existsSync } from 'node:fs'
import { basename, join } from 'node:path'
import { ArtefactError, CARD_FILE, MODEL_FILE, loadArtefact, resolveCurrentDir } from '../artefact/artefact-store.js'
import { CURRENT_FILE } from '../artefact/models-root.js'
import { initTensorFlow, type BackendName } from '../artefact/tensorflow.js'
import { Predictor } from './predictor.js'

/**
 * The verified, warmed-up model in `dir`. With `expectedVersion` (a directory named after its
 * version), the card must carry that version: a copied folder that kept its old card is refused.
 */
export async function loadVerifiedModel (dir: string, expectedVersion?: string): Promise<Predictor> {
  const artefact = await loadArtefact(dir)
  if (expectedVersion !== undefined && artefact.card.version !== expectedVersion) {
    artefact.model.dispose()
    throw new ArtefactError(join(artefact.dir, CARD_FILE), `names version "${artefact.card.version.slice(0, 80)}", but its directory is ${expectedVersion}`)
  }
  let predictor: Predictor
  try {
    predictor = new Predictor(artefact)
  } catch (err) {
    artefact.model.dispose()
    throw new ArtefactError(join(artefact.dir, MODEL_FILE), `fails the executor's check against model.predict (${(err as Error).message})`)
  }
  try {
    await predictor.warmUp()
  } catch (err) {
    predictor.dispose()
    throw new ArtefactError(join(artefact.dir, MODEL_FILE), `fails its warm-up (${(err as Error).message})`)
  }
  return predictor
}

/**
 * Selects the backend and loads the configured model the way a reload does: MODEL_DIR as it is, else
 * the version models/CURRENT names, whose card must carry that version (so start-up and the CURRENT
 * watch agree on what a directory is).
 */
export async function loadConfiguredModel (config: { readonly modelDir: string | null, readonly modelsRoot: string, readonly backend: BackendName }): Promise<{ predictor: Predictor, dir: string }> {
  await initTensorFlow(config.backend)
  if (config.modelDir !== null) {
    // A models root given as MODEL_DIR would fail on its missing card.json, which does not say why.
    if (!existsSync(join(config.modelDir, CARD_FILE)) && existsSync(join(config.modelDir, CURRENT_FILE))) {
      throw new ArtefactError(join(config.modelDir, CARD_FILE), `file is missing: MODEL_DIR names a models root (it holds ${CURRENT_FILE}), not a version folder; set MODEL_DIR to one of its version folders, or leave it empty to serve the version ${CURRENT_FILE} names`)
    }
    return { predictor: await loadVerifiedModel(config.modelDir), dir: config.modelDir }
  }
  const dir = await resolveCurrentDir(config.modelsRoot)
  return { predictor: await loadVerifiedModel(dir, basename(dir)), dir }
}
