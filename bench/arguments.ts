// Command-line flags of the benchmark scripts: `--name value` pairs, read once at start.

/** The text after `--name`, or undefined when the flag is absent. */
export function textArgument (name: string): string | undefined {
  const at = process.argv.indexOf(name)
  return at < 0 ? undefined : process.argv[at + 1]
}

/** The number after `--name`, or `fallback` when the flag is absent. */
export function numberArgument (name: string, fallback: number): number {
  const text = textArgument(name)
  return text === undefined ? fallback : Number(text)
}
