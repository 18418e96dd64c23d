// Models roots for the lifecycle tests (models CLI, score's model choice): real artefacts copied under
// other version names, a weak model trained on synthetic customers, and labelled customers whose labels
// are drawn from a model's own probabilities. No real data: customers come from synthetic.ts.
import { copyFile, mkdir, readdir, readFile, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CURRENT_FILE, DEFAULT_MODELS_ROOT } from '../../src/artefact/models-root.js'
import { createRandom } from '../../src/domain/seeded-random.js'
import type { TrainingOptions } from '../../src/artefact/model-card.js'
import { artefactContents } from './artefact.js'
import { scratchDir } from './scratch-dir.js'
import { generateCustomers, type SyntheticData } from './synthetic.js'

/** The committed artefact directory: the version models/CURRENT names. */
export async function committedArtefactDir (): Promise<string> {
  return join(DEFAULT_MODELS_ROOT, (await readFile(join(DEFAULT_MODELS_ROOT, CURRENT_FILE), 'utf8')).trim())
}

/**
 * Copies the artefact in `sourceDir` to `<root>/<version>` with card.json's "version" (and, when given,
 * "createdAt") rewritten. card.json's own checksum is not in its "files" list, so the copy still verifies.
 */
export async function copyArtefact (sourceDir: string, root: string, version: string, createdAt?: string): Promise<string> {
  const dir = join(root, version)
  await mkdir(dir, { recursive: true })
  for (const name of await readdir(sourceDir)) {
    if (name !== 'card.json') await copyFile(join(sourceDir, name), join(dir, name))
  }
  const card = JSON.parse(await readFile(join(sourceDir, 'card.json'), 'utf8')) as Record<string, unknown>
  await writeFile(join(dir, 'card.json'), JSON.stringify({ ...card, version, ...(createdAt === undefined ? {} : { createdAt }) }, null, 2) + '\n')
  return dir
}

/**
 * A fresh models root holding copies of the committed artefact under these versions, CURRENT naming
 * `current`; "truncated" halves the copy's weights.bin (a download cut short).
 */
export async function makeModelsRoot (versions: Record<string, 'none' | 'truncated'>, current: string): Promise<string> {
  const root = await scratchDir('models')
  const source = await committedArtefactDir()
  for (const [version, damage] of Object.entries(versions)) {
    const dir = await copyArtefact(source, root, version)
    if (damage === 'truncated') await truncate(join(dir, 'weights.bin'), Math.floor((await readFile(join(dir, 'weights.bin'))).length / 2))
  }
  await setCurrent(root, current)
  return root
}

/** Writes CURRENT naming `version`, as a promotion would (no HISTORY line: a root as found). */
export async function setCurrent (root: string, version: string): Promise<void> {
  await writeFile(join(root, CURRENT_FILE), version + '\n')
}

/**
 * Trains a deliberately weak model into `<root>/<version>`: one tiny member, two epochs at a low
 * learning rate and no Platt scaling, so its probabilities stay near 0.5 on customers of whom ~20%
 * buy: badly calibrated and a poor log loss, an honest "worse model". Takes about a second.
 */
export async function writeWeakArtefact (root: string, version: string): Promise<string> {
  const [{ DEFAULT_TRAINING_OPTIONS, trainModel }, { writeArtefact }, { initTensorFlow }] = await Promise.all([
    import('../../src/training/pipeline.js'),
    import('../../src/artefact/artefact-store.js'),
    import('../../src/artefact/tensorflow.js')
  ])
  await initTensorFlow('wasm')
  const options: TrainingOptions = {
    ...DEFAULT_TRAINING_OPTIONS,
    folds: 2,
    hiddenUnits: [4],
    maxEpochs: 2,
    patience: 2,
    learningRate: 0.0005,
    batchSize: 64,
    calibrate: false,
    seed: 7
  }
  const data = generateCustomers(400, 41)
  const result = await trainModel(data.customers, data.labels, options)
  try {
    const dir = join(root, version)
    await writeArtefact(dir, await artefactContents(result, options, version))
    return dir
  } finally {
    result.model.dispose()
  }
}

/**
 * Synthetic customers labelled by drawing each label from `probabilities` (a model's scores of them):
 * on such a file that model is calibrated by construction, up to sampling noise.
 */
export function labelledBy (customers: SyntheticData['customers'], probabilities: ArrayLike<number>, seed: number): SyntheticData {
  const random = createRandom(seed)
  return { customers, labels: customers.map((_, i) => (random() < (probabilities[i] as number) ? 1 : 0)) }
}
