// Where artefacts live and what they may be called: the models root, the CURRENT file and the
// version-name rule, shared by the server, the training CLI and the scoring CLI.
import { fileURLToPath } from 'node:url'

/** The committed models directory, found relative to this file (src/artefact/ or dist/artefact/). */
export const DEFAULT_MODELS_ROOT = fileURLToPath(new URL('../../models', import.meta.url))

/** File in the models root naming the version served by default. */
export const CURRENT_FILE = 'CURRENT'

/** A version is a directory name: letters, digits, ".", "_" and "-", not starting with a dot. */
const VERSION_PATTERN = /^[\w-][\w.-]{0,127}$/

export const VERSION_RULE = 'letters, digits, ".", "_" and "-" (at most 128, not starting with ".")'

export function isValidVersion (text: string): boolean {
  return VERSION_PATTERN.test(text)
}

/** The default version name of an artefact: v<UTC date>-<first 8 hex digits of the weights' SHA-256>. */
export function defaultVersionName (createdAt: Date, weightsSha256: string): string {
  return `v${createdAt.toISOString().slice(0, 10).replaceAll('-', '')}-${weightsSha256.slice(0, 8)}`
}
