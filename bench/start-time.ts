// node --import tsx bench/start-time.ts [--runs 3] [--port 3900] [--cold]
// Seconds from spawning `npm start` in this checkout to the first 200 from GET /health/ready, `--runs`
// times; each run is then stopped with SIGTERM to npm's process group and awaited. --cold deletes dist/
// before every run (a fresh clone's first start); without it the runs are warm (nothing changed).
import { spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { numberArgument } from './arguments.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const RUNS = numberArgument('--runs', 3)
const PORT = numberArgument('--port', 3900)
const COLD = process.argv.includes('--cold')

async function ready (): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${PORT}/health/ready`)).status === 200
  } catch {
    return false
  }
}

const seconds: number[] = []
for (let run = 1; run <= RUNS; run++) {
  if (COLD) rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true })
  const started = performance.now()
  const npm = spawn('npm', ['start'], {
    cwd: ROOT,
    detached: true,
    env: { ...process.env, PORT: String(PORT), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  npm.stdout.on('data', (chunk) => { output += String(chunk) })
  npm.stderr.on('data', (chunk) => { output += String(chunk) })
  const exited = new Promise((resolve) => npm.on('exit', resolve))
  while (!await ready()) {
    if (npm.exitCode !== null) throw new Error(`npm start exited ${npm.exitCode} before ready:\n${output}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  seconds.push((performance.now() - started) / 1000)
  process.stdout.write(`${COLD ? 'cold' : 'warm'} run ${run}: ${(seconds.at(-1) as number).toFixed(2)} s to ready\n`)
  process.kill(-(npm.pid as number), 'SIGTERM')
  await exited
}
process.stdout.write(`${COLD ? 'cold' : 'warm'}: ${seconds.map((s) => s.toFixed(2)).join(' / ')} s\n`)
