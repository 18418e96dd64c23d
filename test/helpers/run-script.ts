// Runs a scripts/*.ts file as a user does (`node --import tsx scripts/...`) and collects its exit code and output.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url))

export interface ScriptRun {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

export interface ScriptOptions {
  /** Written to the child's stdin, which is then closed; without it stdin is not connected. */
  readonly stdin?: string
  readonly timeoutMs?: number
}

/** Spawns `node --import tsx <script> ...args` in the project root. */
export function runScript (script: string, args: readonly string[], options: ScriptOptions = {}): Promise<ScriptRun> {
  const { stdin, timeoutMs = 60_000 } = options
  const stdio: ['ignore' | 'pipe', 'pipe', 'pipe'] = [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe']
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: PROJECT_ROOT,
      stdio,
      timeout: timeoutMs
    })
    if (child.stdout === null || child.stderr === null) throw new Error('stdout and stderr are piped')
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    if (stdin !== undefined && child.stdin !== null) {
      child.stdin.on('error', () => {}) // the script may exit before reading stdin (--help, bad flags)
      child.stdin.end(stdin)
    }
  })
}
