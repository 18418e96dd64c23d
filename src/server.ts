// Entry point: config -> load artefact -> predictor -> buildApp -> listen -> warm-up -> ready.
// A bad configuration or artefact prints one line naming the problem and exits non-zero before the
// port opens; a failing warm-up (after listen, readiness still 503) exits non-zero the same way.
// SIGTERM / SIGINT: readiness turns 503 at once, in-flight requests finish, exit 0.
import { buildApp } from './app.js'
import { ConfigError, loadConfig, type Config } from './config.js'
import { ArtefactError } from './model-store.js'
import { loadPredictor } from './predictor.js'

async function start (config: Config): Promise<void> {
  const { predictor, dir } = await loadPredictor(config)
  const app = await buildApp(config, predictor)

  let closing = false
  const shutdown = (signal: string): void => {
    if (closing) return
    closing = true
    app.readiness.markDraining()
    app.log.info({ signal }, 'shutting down: readiness is 503, finishing in-flight requests')
    const forced = setTimeout(() => {
      app.log.error({ timeoutMs: config.shutdownTimeoutMs }, 'in-flight requests did not finish in time; exiting')
      process.exit(1)
    }, config.shutdownTimeoutMs + config.shutdownDelayMs)
    forced.unref()
    const close = (): void => {
      // Fastify closes idle keep-alive connections once, when close begins; connections still
      // answering a request become idle later and would hold the process open until their
      // keep-alive timeout, so they are closed as soon as their answer is out.
      const sweeper = setInterval(() => app.server.closeIdleConnections(), 50)
      sweeper.unref()
      app.close().then(() => {
        predictor.dispose()
        app.log.info('closed')
        process.exit(0)
      }, (err: unknown) => {
        app.log.error({ err }, 'error while closing')
        process.exit(1)
      })
    }
    // setImmediate runs after the event loop's I/O phase: requests whose bytes already arrived are
    // parsed first, so closing idle keep-alive connections cannot drop them (a busy loop can make
    // the delay timer fire before that data is read).
    setTimeout(() => setImmediate(close), config.shutdownDelayMs)
  }
  process.once('SIGTERM', () => shutdown('SIGTERM'))
  process.once('SIGINT', () => shutdown('SIGINT'))

  await app.listen({ port: config.port, host: config.host })
  const started = performance.now()
  await predictor.warmUp()
  app.readiness.markReady()
  app.log.info({ modelVersion: predictor.version, modelDir: dir, backend: config.backend, warmUpMs: Math.round(performance.now() - started) }, 'ready')
}

function failStartup (err: unknown): never {
  const known = err instanceof ConfigError || err instanceof ArtefactError
  process.stderr.write(`buy-again: cannot start: ${known ? err.message : (err as Error).stack ?? String(err)}\n`)
  process.exit(1)
}

let config: Config
try {
  config = loadConfig(process.env)
} catch (err) {
  failStartup(err)
}
start(config).catch(failStartup)
