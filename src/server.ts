// Entry point: config -> service (model, app, listen, warm-up, ready); close-with-grace owns the drain
// and crashes, SIGINT / SIGTERM are told apart from their repeats here. A bad configuration or artefact prints one line naming the problem and exits 1 before
// the port opens; a failing warm-up closes the port again and exits 1 the same way.
// SIGTERM / SIGINT: readiness turns 503 at once, in-flight requests finish (app.close()), exit 0.
import closeWithGrace from 'close-with-grace'
import { loadConfig } from './config.js'
import { createService, describeStartupFailure } from './service.js'

/** The signals that ask the server to stop: handled here rather than by close-with-grace (see below). */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const
/**
 * The first stop signal again within this time is the same request, not an operator insisting. Under
 * `npm start` (which execs node, so npm's own SIGINT / SIGTERM reach the server) a Ctrl-C or a SIGTERM
 * to the process group arrives twice: directly and forwarded by npm, a few milliseconds apart. Counted
 * as a second signal, it would skip the drain and exit 1.
 */
const REPEAT_WINDOW_MS = 250

async function main (): Promise<void> {
  const config = loadConfig(process.env)
  const { app, start, versions } = await createService(config)
  // Installed before listening, so a signal during warm-up drains too. A second stop signal exits 1 at
  // once (the first one repeated within REPEAT_WINDOW_MS is not a second); an uncaught error closes the
  // same way and exits 1.
  let stopping: { readonly signal: NodeJS.Signals | null, readonly atMs: number } | null = null
  const grace = closeWithGrace({
    delay: config.shutdownTimeoutMs + config.shutdownDelayMs,
    // SIGHUP reloads the model (below) instead of shutting down; the stop signals are ours (below).
    skip: ['SIGHUP', ...STOP_SIGNALS],
    logger: app.log,
    onTimeout: () => app.log.error({ timeoutMs: config.shutdownTimeoutMs }, 'in-flight requests did not finish in time; exiting')
  }, async ({ signal, err }) => {
    stopping ??= { signal: signal ?? null, atMs: performance.now() }
    if (err !== undefined) app.log.fatal({ err }, 'uncaught error: readiness is 503, finishing in-flight requests, then exiting 1')
    else app.log.info({ signal: signal ?? stopping.signal }, 'shutting down: readiness is 503, finishing in-flight requests')
    await app.close()
    app.log.info('closed')
  })
  const onStopSignal = (signal: NodeJS.Signals): void => {
    if (stopping === null) {
      stopping = { signal, atMs: performance.now() }
      grace.close()
    } else if (signal !== stopping.signal || performance.now() - stopping.atMs >= REPEAT_WINDOW_MS) {
      app.log.error({ signal }, 'second signal while shutting down: exiting now')
      process.exit(1)
    }
  }
  for (const signal of STOP_SIGNALS) process.on(signal, onStopSignal)
  process.on('SIGHUP', () => {
    if (config.modelDir !== null) {
      app.log.info({ modelDir: config.modelDir }, 'SIGHUP: nothing to reload, MODEL_DIR pins the served directory')
      return
    }
    app.log.info('SIGHUP: reading models/CURRENT again')
    versions.reload('signal', true).catch((err: unknown) => app.log.error({ err }, 'reload after SIGHUP failed'))
  })
  await start()
}

main().catch((err: unknown) => {
  process.stderr.write(`${describeStartupFailure(err)}\n`)
  process.exit(1)
})
