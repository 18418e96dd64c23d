// Entry point: config -> service (model, app, listen, warm-up, ready); close-with-grace owns signals
// and crashes. A bad configuration or artefact prints one line naming the problem and exits 1 before
// the port opens; a failing warm-up closes the port again and exits 1 the same way.
// SIGTERM / SIGINT: readiness turns 503 at once, in-flight requests finish (app.close()), exit 0.
import closeWithGrace from 'close-with-grace'
import { loadConfig } from './config.js'
import { createService, describeStartupFailure } from './service.js'

async function main (): Promise<void> {
  const config = loadConfig(process.env)
  const { app, start, versions } = await createService(config)
  // Installed before listening, so a signal during warm-up drains too. A second signal exits 1 at
  // once; an uncaught error closes the same way and exits 1.
  closeWithGrace({
    delay: config.shutdownTimeoutMs + config.shutdownDelayMs,
    // SIGHUP reloads the model (below) instead of shutting down.
    skip: ['SIGHUP'],
    logger: app.log,
    onTimeout: () => app.log.error({ timeoutMs: config.shutdownTimeoutMs }, 'in-flight requests did not finish in time; exiting')
  }, async ({ signal, err }) => {
    if (err !== undefined) app.log.fatal({ err }, 'uncaught error: readiness is 503, finishing in-flight requests, then exiting 1')
    else app.log.info({ signal }, 'shutting down: readiness is 503, finishing in-flight requests')
    await app.close()
    app.log.info('closed')
  })
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
