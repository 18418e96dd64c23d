// Which files `npm run score` reads and writes: formats by extension (or a flag), directories expanded to
// their customer files sorted by name, this process's shard of them (--shard K/N, as a Kubernetes Indexed
// Job numbers its pods), and one output per input named after it in the output directory.
import { readdir, stat } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { FILE_FORMATS, type FileFormat } from '../src/scoring/scored-output.js'
import { InputError, UsageError } from './cli-args.js'

/** What extension each format's files carry. */
const EXTENSIONS: Readonly<Record<FileFormat, string>> = { csv: '.csv', parquet: '.parquet' }

/** The format a file name's extension says (case ignored), or null for another extension. */
export function formatOfName (path: string): FileFormat | null {
  const lower = path.toLowerCase()
  return FILE_FORMATS.find((format) => lower.endsWith(EXTENSIONS[format])) ?? null
}

/** A --in-format / --out-format value, or null when the flag was not given. */
export function formatFlag (name: string, text: string | undefined): FileFormat | null {
  if (text === undefined) return null
  const format = FILE_FORMATS.find((f) => f === text.trim().toLowerCase())
  if (format === undefined) throw new UsageError(`--${name} must be ${FILE_FORMATS.join(' or ')}, got "${text}"`)
  return format
}

/** This process's share of the input files: those at positions i with i mod count = index. */
export interface Shard {
  /** From 0, as Kubernetes' JOB_COMPLETION_INDEX. */
  readonly index: number
  readonly count: number
}

/** --shard K/N: K from 0 to N-1. An empty K (an unset $JOB_COMPLETION_INDEX) is named as such. */
export function parseShard (text: string): Shard {
  const match = /^\s*(\d+)\/(\d+)\s*$/.exec(text)
  const hint = text.startsWith('/') || text.includes('$') ? ': is JOB_COMPLETION_INDEX set? (the Job sets it in each pod)' : ''
  if (match === null) throw new UsageError(`--shard must be K/N, this process's share K (from 0) of N shares, got "${text}"${hint}`)
  const index = Number(match[1])
  const count = Number(match[2])
  if (!Number.isSafeInteger(count) || count < 1) throw new UsageError(`--shard ${text}: N must be at least 1`)
  if (index >= count) throw new UsageError(`--shard ${text}: K must be below N (K counts from 0, as JOB_COMPLETION_INDEX does)`)
  return { index, count }
}

/** The files of `files` (sorted) that fall to `shard`: file i goes to shard i mod N, so shards never overlap and miss none. */
export function shardFiles<T> (files: readonly T[], shard: Shard): T[] {
  return files.filter((_, i) => i % shard.count === shard.index)
}

/** Code-unit order: the same on every machine and locale, so every pod of a Job sees the same list. */
function byName (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * The regular files a directory holds for scoring, sorted by name: those named .csv or .parquet, or
 * with `format` given every file but hidden ones and markers such as _SUCCESS (warehouse unloads
 * without extensions). Sub-directories are not entered.
 */
async function directoryFiles (dir: string, format: FileFormat | null): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true })
  return entries
    .filter((e) => e.isFile() && !e.name.startsWith('.') && !e.name.startsWith('_') && (format !== null || formatOfName(e.name) !== null))
    .map((e) => join(dir, e.name))
}

/** Every input file named or held by a named directory, sorted by path, each once. */
export async function expandInputs (inputs: readonly string[], format: FileFormat | null): Promise<string[]> {
  const files = new Set<string>()
  for (const input of inputs) {
    const info = await stat(input).catch((err: NodeJS.ErrnoException) => {
      throw new InputError(`cannot read input ${input}: ${err.code ?? err.message}`)
    })
    if (!info.isDirectory()) {
      files.add(input)
      continue
    }
    const held = await directoryFiles(input, format).catch((err: NodeJS.ErrnoException) => {
      throw new InputError(`cannot read input directory ${input}: ${err.code ?? err.message}`)
    })
    if (held.length === 0) throw new InputError(`input directory ${input} holds no ${format === null ? '.csv or .parquet' : format} files`)
    for (const file of held) files.add(file)
  }
  return [...files].sort(byName)
}

export interface ScoreFile {
  readonly input: string
  readonly inputFormat: FileFormat
  readonly output: string
  readonly outputFormat: FileFormat
}

/**
 * One output per input in `outDir`: the input's name with its .csv/.parquet extension replaced by the
 * output format's (kept as it is without one). Two inputs writing one output are refused before
 * anything is read (an output that is an input: refuseInputOverwrites).
 */
export function planOutputs (files: readonly string[], outDir: string, inputFormat: FileFormat | null, outputFormat: FileFormat | null): ScoreFile[] {
  const plans = files.map((input): ScoreFile => {
    const format = inputFormat ?? formatOfName(input) ?? 'csv'
    const name = basename(input)
    const known = formatOfName(name)
    const stem = known === null ? name : name.slice(0, name.length - EXTENSIONS[known].length)
    const out = outputFormat ?? format
    return { input, inputFormat: format, output: join(outDir, stem + EXTENSIONS[out]), outputFormat: out }
  })
  const writers = new Map<string, string>()
  for (const { input, output } of plans) {
    const target = resolve(output)
    const other = writers.get(target)
    if (other !== undefined) throw new InputError(`inputs ${other} and ${input} would both be written to ${output}: score them into different directories`)
    writers.set(target, input)
  }
  return plans
}

/** A file's identity (device and inode), or null when it does not exist: the same for any spelling and through links. */
async function fileIdentity (path: string): Promise<string | null> {
  const info = await stat(path).catch(() => null)
  return info === null ? null : `${info.dev}:${info.ino}`
}

/**
 * Refuses plans that would write over one of their inputs: an output is written under a temporary name
 * and renamed over its path when complete, so it would replace the customers being read. Compared by
 * device and inode, so another spelling (../, a symbolic or hard link) is caught too. `message` says it
 * for the input about to be lost.
 */
export async function refuseInputOverwrites (plans: readonly ScoreFile[], message: (input: string) => string): Promise<void> {
  const inputs = new Map<string, string>()
  for (const { input } of plans) {
    const identity = input === '-' ? null : await fileIdentity(input)
    if (identity !== null) inputs.set(identity, input)
  }
  for (const { output } of plans) {
    const identity = output === '-' ? null : await fileIdentity(output)
    const input = identity === null ? undefined : inputs.get(identity)
    if (input !== undefined) throw new InputError(message(input))
  }
}
