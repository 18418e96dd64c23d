// Entry point: config -> load artefact -> predictor -> buildApp -> listen -> warm-up -> ready.
// A bad configuration or artefact prints one line naming the problem and exits non-zero before the
// port opens; a failing warm-up (after listen, readiness still 503) exits non-zero the same way.
// SIGTERM / SIGINT: readiness turns 503 at once, in-flight requests finish, exit 0.
import type { IncomingMessage, ServerResponse } from 'node:http'
import net, { type Socket } from 'node:net'
import { buildApp } from './http/app.js'
import { ConfigError, loadConfig, type Config } from './config.js'
import { ArtefactError } from './artefact/artefact-store.js'
import { ModelHolder } from './model/model-holder.js'
import { loadPredictor } from './model/predictor.js'

async function start (config: Config): Promise<void> {
  const { predictor, dir } = await loadPredictor(config)
  const models = new ModelHolder(predictor)
  const app = await buildApp(config, models)
  // Open sockets and the ones answering a request right now, for a gentle shutdown.
  const sockets = new Set<Socket>()
  const busy = new Set<Socket>()
  app.server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => { sockets.delete(socket); busy.delete(socket) })
  })
  app.server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    busy.add(request.socket)
    response.once('close', () => busy.delete(request.socket))
  })

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
      // Stop accepting connections. net.Server's close, not http.Server's: the latter also destroys
      // every connection between requests, which cuts off a large answer still being flushed.
      net.Server.prototype.close.call(app.server)
      const ended = new WeakSet<Socket>()
      const sweep = (): void => {
        for (const socket of sockets) {
          // Between requests with nothing left to write: FIN now, and destroy only if the client
          // has not closed its side a second later (all our bytes are out by then).
          if (busy.has(socket) || socket.writableLength > 0 || ended.has(socket)) continue
          ended.add(socket)
          socket.end()
          setTimeout(() => socket.destroy(), 1000).unref()
        }
        if (sockets.size > 0) return
        clearInterval(sweeper)
        models.close()
        app.log.info('closed')
        process.exit(0)
      }
      const sweeper = setInterval(sweep, 25)
      sweep()
    }
    // setImmediate runs after the event loop's I/O phase: requests whose bytes already arrived are
    // parsed first, so closing idle keep-alive connections cannot drop them (a busy loop can make
    // the delay timer fire before that data is read).
    setTimeout(() => setImmediate(close), config.shutdownDelayMs)
  }
  process.once('SIGTERM', () => shutdown('SIGTERM'))
  process.once('SIGINT', () => shutdown('SIGINT'))

  try {
    await app.listen({ port: config.port, host: config.host })
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message
    throw new ConfigError([`HOST/PORT: cannot listen on ${config.host}:${config.port} (${code})`])
  }
  const started = performance.now()
  await predictor.warmUp()
  app.readiness.markReady()
  app.log.info({ modelVersion: predictor.version, modelDir: dir, backend: config.backend, executor: predictor.executor, warmUpMs: Math.round(performance.now() - started) }, 'ready')
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
