// What the command-line scripts (train, score, models) share: flag checks, their streams, exit codes, and the
// check that a script was started by node rather than imported by a test.
import { realpathSync } from 'node:fs'
import type { Readable, Writable } from 'node:stream'
import { pathToFileURL } from 'node:url'

export const EXIT_OK = 0
/** A bug: the stack is printed. */
export const EXIT_UNEXPECTED = 1
/**
 * A request the script understood and declined (a model failing verification or the promotion check,
 * a version that exists already): the message alone. 1, as a bug: for an operator's script both mean
 * "nothing was changed", and 2 stays "you typed it wrong".
 */
export const EXIT_REFUSED = 1
/** The user's to fix (flags, files, data): the message alone. */
export const EXIT_USER_ERROR = 2

/**
 * The surroundings of one run of a script's main(). Every field defaults to the process's own, so a
 * direct run passes nothing and a test passes its own streams (and reads what was written).
 */
export interface CliIo {
  readonly stdin?: Readable
  readonly stdout?: Writable & { readonly isTTY?: boolean }
  readonly stderr?: Writable & { readonly isTTY?: boolean }
  /** Stops the run; the direct run aborts it on SIGINT and SIGTERM. */
  readonly signal?: AbortSignal
}

/** Bad flags: the scripts print the message and a pointer to --help, and exit 2. */
export class UsageError extends Error {}

/** Files, data or a model the user has to fix (not the flags): the scripts print the message and exit 2. */
export class InputError extends Error {}

/** A refusal: the scripts print the message and exit EXIT_REFUSED, having changed nothing. */
export class RefusedError extends Error {}

/** A numeric flag's value, or null when the flag was not given; a UsageError names a bad value. */
export function numberFlag (name: string, text: string | undefined, check: (n: number) => boolean): number | null {
  if (text === undefined) return null
  const value = Number(text)
  if (text.trim() === '' || !Number.isFinite(value) || !check(value)) throw new UsageError(`--${name} has an invalid value "${text}"`)
  return value
}

/** Whether an error came from bad flags (ours or node:util parseArgs). */
export function isUsageError (err: unknown): boolean {
  return err instanceof UsageError || (err as { code?: string } | null)?.code?.startsWith('ERR_PARSE_ARGS') === true
}

/**
 * Writes a failed run's message to stderr and returns its exit code: a RefusedError gets the message
 * alone and 1; the user's errors (`isUserError`, and bad flags, which add a pointer to --help) get the
 * message alone and 2; anything else is a bug and gets the stack and 1.
 */
export function reportFailure (command: string, err: unknown, stderr: Writable, isUserError: (err: unknown) => boolean): number {
  if (err instanceof RefusedError) {
    stderr.write(`${command}: ${err.message}\n`)
    return EXIT_REFUSED
  }
  const usage = isUsageError(err)
  const expected = usage || isUserError(err)
  const text = err instanceof Error ? (expected ? err.message : err.stack ?? err.message) : String(err)
  stderr.write(`${command}: ${text}\n`)
  if (usage) stderr.write('Run with --help for usage.\n')
  return expected ? EXIT_USER_ERROR : EXIT_UNEXPECTED
}

/**
 * Whether the module at `moduleUrl` is the one node was asked to run (`node --import tsx scripts/x.ts`,
 * which `npm run` does), not one a test imported. Node gives import.meta.url with symlinks resolved,
 * so argv[1] is resolved the same way before comparing.
 */
export function isDirectRun (moduleUrl: string): boolean {
  const entry = process.argv[1]
  if (entry === undefined) return false
  try {
    return pathToFileURL(realpathSync(entry)).href === moduleUrl
  } catch {
    return false
  }
}
