// npm start's build step: compiles src/ into dist/ only when something tsc reads changed since the last
// build, so a start with nothing changed skips tsc (~0.5 s instead of ~15 s for a full build and ~2.5 s
// for an incremental one that finds nothing to do). The build itself is incremental (tsconfig.build.json
// keeps dist/.tsbuildinfo), so one edited file recompiles in seconds.
//
// The record of the last build is dist/.tsbuildinfo, dated to the moment that build *started*: a file
// saved while tsc was running is newer than the record and is compiled on the next start. Deleting dist/
// deletes the record too, so a fresh clone or `rm -rf dist` builds everything.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, relative } from 'node:path'
import type { Writable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { isDirectRun } from './cli-args.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

/** The build configuration; its outDir and tsBuildInfoFile are ENTRY's and STAMP's folder (a test checks). */
export const BUILD_CONFIG = 'tsconfig.build.json'
/** What `npm start` runs. */
export const ENTRY = 'dist/server.js'
/** tsc's incremental record, doubling as the date of the last build. */
export const STAMP = 'dist/.tsbuildinfo'
/**
 * What the build depends on: every file and folder under these folders (a folder's date changes when a
 * file in it is added, removed or renamed) and these files (compiler options; the lockfile for the
 * versions of TypeScript and of the packages whose types the sources use).
 */
export const INPUT_FOLDERS = ['src'] as const
export const INPUT_FILES = ['tsconfig.json', BUILD_CONFIG, 'package.json', 'package-lock.json'] as const

export interface BuildState {
  readonly entryExists: boolean
  /** Modification time of STAMP in ms, or null when there is none. */
  readonly stampMs: number | null
  /** The most recently modified input (path relative to the root), or null when there are none. */
  readonly newestInput: { readonly path: string, readonly mtimeMs: number } | null
}

/** Why dist/ must be built, or null when it is up to date. */
export function staleReason (state: BuildState): string | null {
  if (!state.entryExists) return `${ENTRY} does not exist`
  if (state.stampMs === null) return `${STAMP} does not exist: no record of the last build`
  if (state.newestInput !== null && state.newestInput.mtimeMs > state.stampMs) return `${state.newestInput.path} changed since the last build`
  return null
}

function mtimeMsOrNull (path: string): number | null {
  try {
    return statSync(path).mtimeMs
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
}

/** The newest of `folder`, everything under it and `newest` (paths relative to `root`). */
function newestUnder (root: string, folder: string, newest: BuildState['newestInput']): BuildState['newestInput'] {
  let found = newest
  const visit = (path: string): void => {
    const stats = statSync(path)
    if (found === null || stats.mtimeMs > found.mtimeMs) found = { path: relative(root, path), mtimeMs: stats.mtimeMs }
    if (stats.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name))
  }
  if (existsSync(join(root, folder))) visit(join(root, folder))
  return found
}

/** Reads the dates the decision needs from the project at `root`. */
export function readBuildState (root: string): BuildState {
  let newestInput: BuildState['newestInput'] = null
  for (const folder of INPUT_FOLDERS) newestInput = newestUnder(root, folder, newestInput)
  for (const file of INPUT_FILES) {
    const mtimeMs = mtimeMsOrNull(join(root, file))
    if (mtimeMs !== null && (newestInput === null || mtimeMs > newestInput.mtimeMs)) newestInput = { path: file, mtimeMs }
  }
  return { entryExists: existsSync(join(root, ENTRY)), stampMs: mtimeMsOrNull(join(root, STAMP)), newestInput }
}

/** Runs tsc on BUILD_CONFIG in `root` with this node; returns its exit code. */
function runTsc (root: string): number {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  const run = spawnSync(process.execPath, [tsc, '-p', BUILD_CONFIG], { cwd: root, stdio: 'inherit' })
  if (run.error !== undefined) throw run.error
  return run.status ?? 1
}

export interface BuildIo {
  readonly stdout?: Writable
  /** Compiles the project at root and returns an exit code (tests pass a stand-in). */
  readonly compile?: (root: string) => number
}

/** Builds dist/ in `root` when it is stale; returns the exit code (tsc's when it ran and failed). */
export function main (root = ROOT, io: BuildIo = {}): number {
  const { stdout = process.stdout, compile = runTsc } = io
  const reason = staleReason(readBuildState(root))
  if (reason === null) {
    stdout.write(`build: ${ENTRY} is up to date with src/, not rebuilt\n`)
    return 0
  }
  const stamp = join(root, STAMP)
  // Without its outputs an incremental record would make tsc skip re-emitting unchanged files.
  if (!existsSync(join(root, ENTRY))) rmSync(stamp, { force: true })
  stdout.write(`build: ${reason}; compiling (tsc -p ${BUILD_CONFIG})\n`)
  const started = new Date()
  const code = compile(root)
  if (existsSync(stamp)) {
    // tsc emits even when it reports type errors: dated to the epoch, the record makes the next start
    // run tsc again, which reports them again instead of starting the server silently.
    const date = code === 0 ? started : new Date(0)
    utimesSync(stamp, date, date)
  }
  return code
}

if (isDirectRun(import.meta.url)) process.exitCode = main()
