// The versions in a models root, read from their card.json files (cheap: no weights are loaded):
// what GET /models and `npm run models -- list` show.
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CURRENT_FILE, isValidVersion } from './models-root.js'

/**
 * Marker file of an artefact directory: the store's CARD_FILE, written again here because
 * artefact-store.ts loads TensorFlow.js, which listing versions must not wait for.
 */
export const CATALOG_CARD_FILE = 'card.json'
const CARD = CATALOG_CARD_FILE

/** A card.json that cannot be read as a JSON object: the message names the file. */
export class CardReadError extends Error {}

export interface CatalogEntry {
  readonly version: string
  readonly createdAt: string | null
  /** Test-split figures from the card (null when the card cannot be read). */
  readonly rocAuc: number | null
  readonly logLoss: number | null
  readonly calibrationError: number | null
  readonly threshold: number | null
  /** Why the card could not be read, or that it names another version (the loader refuses it), or null. */
  readonly problem: string | null
}

function numberOrNull (value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null
}

function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function problemEntry (version: string, problem: string): CatalogEntry {
  return { version, createdAt: null, rocAuc: null, logLoss: null, calibrationError: null, threshold: null, problem }
}

async function readEntry (modelsRoot: string, version: string): Promise<CatalogEntry | null> {
  let text: string
  try {
    text = await readFile(join(modelsRoot, version, CARD), 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    // A folder without a card is not an artefact (a half-copied one, or something else entirely), and
    // a file (HISTORY, a README) has no card inside.
    if (code === 'ENOENT' || code === 'ENOTDIR') return null
    return problemEntry(version, `${CARD} cannot be read (${code ?? (err as Error).message})`)
  }
  let card: unknown
  try {
    card = JSON.parse(text)
  } catch (err) {
    return problemEntry(version, `${CARD} is not valid JSON (${(err as Error).message.slice(0, 120)})`)
  }
  if (!isRecord(card)) return problemEntry(version, `${CARD} is not a JSON object`)
  const metrics = isRecord(card.metrics) ? card.metrics : {}
  const test = isRecord(metrics.test) ? metrics.test : {}
  return {
    version,
    createdAt: typeof card.createdAt === 'string' ? card.createdAt : null,
    rocAuc: numberOrNull(test.rocAuc),
    logLoss: numberOrNull(test.logLoss),
    calibrationError: numberOrNull(test.expectedCalibrationError),
    threshold: numberOrNull(card.threshold),
    // The loader refuses such a folder (a copy that kept its old card): say so before anyone promotes it.
    problem: card.version === version ? null : `${CARD} names version "${String(card.version).slice(0, 80)}"`
  }
}

/** Every artefact directory of `modelsRoot`, oldest first (by createdAt, then name). */
export async function listVersions (modelsRoot: string): Promise<CatalogEntry[]> {
  let names: string[]
  try {
    names = await readdir(modelsRoot)
  } catch (err) {
    // No root yet is no versions; an unreadable one is not, and must not look empty.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
  const entries = await Promise.all(names.filter(isValidVersion).filter((n) => n !== CURRENT_FILE).map(async (name) => await readEntry(modelsRoot, name)))
  return entries
    .filter((e): e is CatalogEntry => e !== null)
    .sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? '') || a.version.localeCompare(b.version))
}

/** The version CURRENT names, or null when it is missing or does not name a valid version. */
export async function readCurrentVersion (modelsRoot: string): Promise<string | null> {
  try {
    const version = (await readFile(join(modelsRoot, CURRENT_FILE), 'utf8')).trim()
    return isValidVersion(version) ? version : null
  } catch {
    return null
  }
}

/** The card.json of `version` as a JSON object, unverified (no checksums: for showing, not serving). */
export async function readCard (modelsRoot: string, version: string): Promise<Record<string, unknown>> {
  const file = join(modelsRoot, version, CARD)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new CardReadError(`${file}: ${code === 'ENOENT' ? 'file is missing' : `cannot be read (${code ?? (err as Error).message})`}`)
  }
  let card: unknown
  try {
    card = JSON.parse(text)
  } catch (err) {
    throw new CardReadError(`${file}: is not valid JSON (${(err as Error).message.slice(0, 120)})`)
  }
  if (!isRecord(card)) throw new CardReadError(`${file}: is not a JSON object`)
  return card
}
