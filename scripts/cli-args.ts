// Flag helpers shared by the command-line scripts (train, score).

/** Bad flags: the scripts print the message and a pointer to --help, and exit 2. */
export class UsageError extends Error {}

/** A numeric flag's value, or null when the flag was not given; a UsageError names a bad value. */
export function numberFlag (name: string, text: string | undefined, check: (n: number) => boolean): number | null {
  if (text === undefined) return null
  const value = Number(text)
  if (text.trim() === '' || !Number.isFinite(value) || !check(value)) throw new UsageError(`--${name} has an invalid value "${text}"`)
  return value
}

/** Whether an error came from bad flags (ours or node:util parseArgs). */
export function isUsageError (err: unknown): boolean {
  return err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true
}
