// Runs a script's exported main(argv, io) inside the test process: stdin from a string (or a given
// stream), stdout and stderr collected as text, the returned exit code. No child process, so no
// TensorFlow.js start-up per run.
import { Readable, Writable } from 'node:stream'
import type { CliIo } from '../../scripts/cli-args.js'

export type CliMain = (argv: string[], io: CliIo) => Promise<number>

export interface CliRun {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

export interface CliRunOptions {
  /** The script's stdin: text, or a stream the test feeds; empty unless given. */
  readonly stdin?: string | Readable
  /** Replaces the collecting stdout (to test a failing output). */
  readonly stdout?: Writable
  readonly signal?: AbortSignal
}

/** A writable that keeps what is written, as text. */
export function collectText (): { stream: Writable, text: () => string } {
  const chunks: Buffer[] = []
  const stream = new Writable({
    write (chunk: Buffer | string, _encoding, callback) {
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk))
      callback()
    }
  })
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') }
}

export async function runMain (main: CliMain, argv: readonly string[], options: CliRunOptions = {}): Promise<CliRun> {
  const { stdin = '' } = options
  const stdout = collectText()
  const stderr = collectText()
  const code = await main([...argv], {
    // A byte stream, as process.stdin is (Readable.from alone would give an object stream).
    stdin: typeof stdin === 'string' ? Readable.from(stdin === '' ? [] : [Buffer.from(stdin)], { objectMode: false }) : stdin,
    stdout: options.stdout ?? stdout.stream,
    stderr: stderr.stream,
    signal: options.signal
  })
  return { code, stdout: stdout.text(), stderr: stderr.text() }
}
