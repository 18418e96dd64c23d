// Runs the real server (src/server.ts) as a child process for start-up and shutdown tests.
import { spawn, type ChildProcess } from 'node:child_process'
import { cp } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DEFAULT_MODELS_ROOT } from '../../src/artefact/models-root.js'
import { resolveCurrentDir } from '../../src/artefact/artefact-store.js'
import { scratchDir } from './scratch-dir.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export interface ServerProcess {
  readonly child: ChildProcess
  readonly stdout: () => string
  readonly stderr: () => string
  /** Resolves with the exit code (or the signal name). */
  readonly exited: Promise<number | string>
}

export function startServer (env: Record<string, string>): ServerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  let err = ''
  child.stdout?.on('data', (chunk: Buffer) => { out += chunk.toString() })
  child.stderr?.on('data', (chunk: Buffer) => { err += chunk.toString() })
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'))
  })
  return { child, stdout: () => out, stderr: () => err, exited }
}

/** Waits for the "ready" log line and returns the base URL the server listens on. */
export async function waitUntilReady (server: ServerProcess, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const text = server.stdout()
    const listening = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(text)
    if (listening !== null && text.includes('"msg":"ready"')) return listening[1] as string
    if (server.child.exitCode !== null) throw new Error(`server exited early: ${server.stderr()}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`server not ready in ${timeoutMs} ms: ${server.stdout()} ${server.stderr()}`)
}

/** A private copy of the committed artefact that a test may damage. */
export async function copyCommittedArtefact (): Promise<string> {
  const source = await resolveCurrentDir(DEFAULT_MODELS_ROOT)
  const target = join(await scratchDir('artefact'), 'model')
  await cp(source, target, { recursive: true })
  return target
}
