// Saves and loads a versioned model artefact directory: model.json + weights.bin (TensorFlow.js
// layers format), preprocessing.json, card.json (metrics, threshold, SHA-256 of every other file).
// Loading verifies checksums, the preprocessing hash and the model's shapes, and names the bad file.
import { createHash } from 'node:crypto'
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { FEATURE_COUNT, PREPROCESSING_HASH, assertStatsMatch, type FeatureStats } from '../domain/features.js'
import { tf, tfl } from './tensorflow.js'
import type { ModelCard } from './model-card.js'
import { CURRENT_FILE, VERSION_RULE, isValidVersion } from './models-root.js'

export const MODEL_FILE = 'model.json'
export const WEIGHTS_FILE = 'weights.bin'
export const PREPROCESSING_FILE = 'preprocessing.json'
export const CARD_FILE = 'card.json'
/** Optional human-readable model report (charts), checksummed like the rest when present. */
export const REPORT_FILE = 'report.html'

export interface Preprocessing extends FeatureStats {
  /** PREPROCESSING_HASH of the code that trained the model. */
  readonly schemaHash: string
  readonly featureDescriptions: Readonly<Record<string, string>>
}

export interface LoadedArtefact {
  readonly dir: string
  readonly model: tfl.LayersModel
  readonly preprocessing: Preprocessing
  readonly card: ModelCard
  /** report.html, when the artefact has one. */
  readonly reportHtml: string | null
}

/** A missing, corrupt or mismatched artefact file: the message names the file and the problem. */
export class ArtefactError extends Error {
  readonly file: string
  constructor (file: string, problem: string) {
    super(`${file}: ${problem}`)
    this.name = 'ArtefactError'
    this.file = file
  }
}

export function sha256 (data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex')
}

/** Serializes a layers model to model.json text + weights bytes, with no timestamps (byte-stable). */
export async function serializeModel (model: tfl.LayersModel): Promise<{ modelJson: string, weights: Uint8Array }> {
  let artifacts: tf.io.ModelArtifacts | undefined
  await model.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a
    return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } }
  }))
  if (artifacts?.weightData === undefined || artifacts.weightSpecs === undefined) throw new Error('model save produced no weights')
  const weightData = artifacts.weightData
  const weights = Array.isArray(weightData)
    ? Buffer.concat(weightData.map((b) => new Uint8Array(b)))
    : new Uint8Array(weightData)
  const modelJson = JSON.stringify({
    format: 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs }]
  })
  return { modelJson, weights }
}

export interface ArtefactContents {
  readonly modelJson: string
  readonly weights: Uint8Array
  readonly preprocessing: Preprocessing
  /** The card without its `files` checksums, which are computed here. */
  readonly card: Omit<ModelCard, 'files'>
  readonly reportHtml?: string
}

/** Writes the artefact into `dir` (created). Files are written to temporary names then renamed. */
export async function writeArtefact (dir: string, contents: ArtefactContents): Promise<void> {
  await mkdir(dir, { recursive: true })
  const payload: Array<[string, string | Uint8Array]> = [
    [MODEL_FILE, contents.modelJson],
    [WEIGHTS_FILE, contents.weights],
    [PREPROCESSING_FILE, JSON.stringify(contents.preprocessing, null, 2) + '\n'],
    ...(contents.reportHtml !== undefined ? [[REPORT_FILE, contents.reportHtml] as [string, string]] : [])
  ]
  const files = Object.fromEntries(payload.map(([name, data]) => [name, sha256(data)]))
  const card: ModelCard = { ...contents.card, files }
  payload.push([CARD_FILE, JSON.stringify(card, null, 2) + '\n'])
  for (const [name, data] of payload) {
    const tmp = join(dir, `.${name}.tmp`)
    await writeFile(tmp, data)
    await rename(tmp, join(dir, name))
  }
}

/**
 * What the files of an artefact folder look like from outside (names, sizes, inodes, modification and
 * change times), to notice that a refused version was fixed or finished copying without reading or
 * hashing anything (a copy that keeps the old modification time, as cp -p does, still changes the
 * inode or the change time); "missing" when the folder cannot be read.
 */
export async function folderFingerprint (dir: string): Promise<string> {
  try {
    const names = (await readdir(dir)).sort()
    const parts = await Promise.all(names.map(async (name) => {
      const info = await stat(join(dir, name))
      return `${name}:${info.size}:${info.ino}:${info.mtimeMs}:${info.ctimeMs}`
    }))
    return parts.join('|')
  } catch {
    return 'missing'
  }
}

/** The artefact directory named by `<modelsRoot>/CURRENT`. */
export async function resolveCurrentDir (modelsRoot: string): Promise<string> {
  const file = join(modelsRoot, CURRENT_FILE)
  const version = (await readOrFail(file)).toString('utf8').trim()
  if (!isValidVersion(version)) throw new ArtefactError(file, `does not name a version directory: ${VERSION_RULE} (found "${version.slice(0, 80)}")`)
  return join(modelsRoot, version)
}

async function readOrFail (file: string): Promise<Buffer> {
  try {
    return await readFile(file)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new ArtefactError(file, code === 'ENOENT' ? 'file is missing' : `cannot be read (${code ?? (err as Error).message})`)
  }
}

function parseJson (file: string, data: Buffer): unknown {
  try {
    return JSON.parse(data.toString('utf8'))
  } catch (err) {
    throw new ArtefactError(file, `is not valid JSON (${(err as Error).message})`)
  }
}

function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function checkCard (file: string, value: unknown): ModelCard {
  if (!isRecord(value)) throw new ArtefactError(file, 'is not a JSON object')
  if (typeof value.version !== 'string' || value.version === '') throw new ArtefactError(file, 'has no "version"')
  const threshold = value.threshold
  if (typeof threshold !== 'number' || !(threshold > 0 && threshold < 1)) throw new ArtefactError(file, '"threshold" must be a number between 0 and 1')
  if (typeof value.baseRate !== 'number' || !(value.baseRate >= 0 && value.baseRate <= 1)) throw new ArtefactError(file, '"baseRate" must be a number between 0 and 1')
  // GET /model and the explanations read these: a card without them must not load.
  for (const key of ['features', 'featureImportance'] as const) {
    if (!Array.isArray(value[key]) || value[key].length === 0) throw new ArtefactError(file, `has no "${key}" list`)
  }
  if (!isRecord(value.metrics) || !isRecord(value.metrics.test)) throw new ArtefactError(file, 'has no "metrics.test"')
  if (!isRecord(value.files)) throw new ArtefactError(file, 'has no "files" checksums')
  for (const name of [MODEL_FILE, WEIGHTS_FILE, PREPROCESSING_FILE]) {
    if (typeof value.files[name] !== 'string') throw new ArtefactError(file, `"files" has no checksum for ${name}`)
  }
  return value as unknown as ModelCard
}

function checkPreprocessing (file: string, value: unknown): Preprocessing {
  if (!isRecord(value)) throw new ArtefactError(file, 'is not a JSON object')
  if (value.schemaHash !== PREPROCESSING_HASH) {
    throw new ArtefactError(file, `was made by different preprocessing code (schema hash ${String(value.schemaHash).slice(0, 12)}, this code ${PREPROCESSING_HASH.slice(0, 12)}): retrain the model`)
  }
  try {
    assertStatsMatch(value as unknown as FeatureStats)
  } catch (err) {
    throw new ArtefactError(file, (err as Error).message)
  }
  return value as unknown as Preprocessing
}

/** Loads and verifies the artefact in `dir`. Every failure is an ArtefactError naming the file. */
export async function loadArtefact (dir: string): Promise<LoadedArtefact> {
  const path = (name: string): string => join(resolve(dir), name)
  const card = checkCard(path(CARD_FILE), parseJson(path(CARD_FILE), await readOrFail(path(CARD_FILE))))
  const contents = new Map<string, Buffer>()
  // Every file the card lists is verified: the three required ones and optional ones like report.html.
  for (const [name, expected] of Object.entries(card.files)) {
    if (!/^[\w.-]+$/.test(name)) throw new ArtefactError(path(CARD_FILE), `"files" names an invalid file "${name.slice(0, 80)}"`)
    const data = await readOrFail(path(name))
    if (sha256(data) !== expected) throw new ArtefactError(path(name), `SHA-256 does not match ${CARD_FILE} (file changed, truncated or corrupt)`)
    contents.set(name, data)
  }
  const preprocessing = checkPreprocessing(path(PREPROCESSING_FILE), parseJson(path(PREPROCESSING_FILE), contents.get(PREPROCESSING_FILE) as Buffer))
  const modelJson = parseJson(path(MODEL_FILE), contents.get(MODEL_FILE) as Buffer)
  const model = await loadLayersModel(path(MODEL_FILE), modelJson, contents.get(WEIGHTS_FILE) as Buffer)
  const report = contents.get(REPORT_FILE)
  return { dir: resolve(dir), model, preprocessing, card, reportHtml: report === undefined ? null : report.toString('utf8') }
}

async function loadLayersModel (file: string, modelJson: unknown, weights: Buffer): Promise<tfl.LayersModel> {
  if (!isRecord(modelJson) || !isRecord(modelJson.modelTopology) || !Array.isArray(modelJson.weightsManifest)) {
    throw new ArtefactError(file, 'is not a TensorFlow.js layers model (no modelTopology / weightsManifest)')
  }
  const weightSpecs = (modelJson.weightsManifest as Array<{ weights?: tf.io.WeightsManifestEntry[] }>).flatMap((group) => group.weights ?? [])
  let model: tfl.LayersModel
  try {
    const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength)
    model = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs, weightData }))
  } catch (err) {
    throw new ArtefactError(file, `cannot be loaded by TensorFlow.js (${(err as Error).message})`)
  }
  const inputShape = model.inputs[0]?.shape
  const outputShape = model.outputs[0]?.shape
  if (model.inputs.length !== 1 || inputShape?.[1] !== FEATURE_COUNT || model.outputs.length !== 1 || outputShape?.[1] !== 1) {
    model.dispose()
    throw new ArtefactError(file, `model maps ${JSON.stringify(inputShape)} -> ${JSON.stringify(outputShape)}, expected [null,${FEATURE_COUNT}] -> [null,1]`)
  }
  return model
}
