// The service's start-up without the process around it (server.ts adds env, signals and exit codes),
// so tests run it in process: load the model, build the app, listen, warm up, turn ready.
import type { EventEmitter } from 'node:events'
import type { FastifyInstance } from 'fastify'
import { ArtefactError } from './artefact/artefact-store.js'
import { ConfigError, type Config } from './config.js'
import { buildApp, type AppOptions } from './http/app.js'
import { ModelHolder } from './model/model-holder.js'
import { loadConfiguredModel, loadVerifiedModel } from './model/model-loader.js'
import { ModelVersions } from './model/model-versions.js'

export interface Service {
  /** Closing it drains (see http/graceful-close.ts), then disposes the model. */
  readonly app: FastifyInstance
  /** Listens and turns readiness 200 (the model is warm already). On failure the app is closed (nothing listens). */
  readonly start: () => Promise<void>
  /** The versions served: SIGHUP calls versions.reload('signal', true). */
  readonly versions: ModelVersions
}

/** How often models/CURRENT is read for a change (the contract: new answers within 5 s of it). */
export const CURRENT_POLL_INTERVAL_MS = 1000

/** Loads, verifies and warms up the configured model and builds the app around it; nothing listens yet. */
export async function createService (config: Config, options: AppOptions = {}): Promise<Service> {
  const { predictor, dir } = await withoutAddedCrashListeners(async () => await loadConfiguredModel(config))
  const models = new ModelHolder(predictor)
  const versions = new ModelVersions(models, {
    modelsRoot: config.modelsRoot,
    maxLoaded: config.maxLoadedModels,
    // MODEL_DIR pins the served directory: nothing is watched.
    pinned: config.modelDir !== null,
    load: async (modelDir, version) => await loadVerifiedModel(modelDir, version)
  })
  let app: FastifyInstance
  try {
    app = await buildApp(config, versions, options)
  } catch (err) {
    versions.close()
    throw err
  }
  versions.useLog(app.log)
  // Whoever creates a holder disposes it, not buildApp: tests build many apps on one shared
  // predictor, and closing one of those apps must not dispose the model the others still use.
  app.addHook('onClose', (_instance, done) => {
    versions.close()
    done()
  })

  const start = async (): Promise<void> => {
    try {
      await app.listen({ port: config.port, host: config.host })
    } catch (err) {
      await app.close()
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message
      throw new ConfigError([`HOST/PORT: cannot listen on ${config.host}:${config.port} (${code})`])
    }
    // The model was verified and warmed up when it was loaded (loadConfiguredModel), as a reload's is.
    await untilLoadMeasured(app, config.maxEventLoopDelayMs)
    app.readiness.markReady()
    versions.startWatching(CURRENT_POLL_INTERVAL_MS)
    app.log.info({ modelVersion: predictor.version, modelDir: dir, backend: config.backend, executor: predictor.executor, watchingCurrent: versions.watching }, 'ready')
  }
  return { app, start, versions }
}

/** Longest start-up waits for a first event-loop measurement (two of load shedding's 1 s samples). */
const LOAD_MEASURE_WAIT_MS = 2500

/**
 * Waits until load shedding's event-loop measure is below its limit. The app's own synchronous set-up
 * on a busy machine leaves a second with a huge delay, or with no sample at all (read as infinite), so
 * the first requests after "ready" were shed with 503 (4 of 12 fresh starts in a black-box run while
 * other jobs ran). Returns at once when shedding is off or the measure is low, as on a quiet start;
 * after LOAD_MEASURE_WAIT_MS it turns ready anyway, and shedding then does its job.
 */
async function untilLoadMeasured (app: FastifyInstance, maxEventLoopDelayMs: number): Promise<void> {
  if (maxEventLoopDelayMs <= 0) return
  const delay = (): number => (app as Partial<Pick<FastifyInstance, 'memoryUsage'>>).memoryUsage?.().eventLoopDelay ?? 0
  const deadline = performance.now() + LOAD_MEASURE_WAIT_MS
  while (!(delay() <= maxEventLoopDelayMs) && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
  if (!(delay() <= maxEventLoopDelayMs)) app.log.warn({ eventLoopDelayMs: delay() }, 'ready while the event loop still lags: requests may be shed')
}

const CRASH_EVENTS = ['uncaughtException', 'unhandledRejection'] as const

/**
 * Runs `work`, then removes the uncaughtException / unhandledRejection listeners it added: process-wide
 * error handling is the entry's (close-with-grace in server.ts). TensorFlow's wasm backend (Emscripten)
 * adds two that rethrow, which end the process at once (exit 7, with a 100 kB line of minified code)
 * before any drain; they exist only to let Emscripten's own exit() through, which tfjs never calls.
 */
async function withoutAddedCrashListeners<T> (work: () => Promise<T>): Promise<T> {
  // As a plain emitter: process's typings list events one overload at a time.
  const emitter: EventEmitter = process
  const before = new Map(CRASH_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]))
  try {
    return await work()
  } finally {
    for (const event of CRASH_EVENTS) {
      for (const listener of emitter.listeners(event)) {
        if (before.get(event)?.has(listener) !== true) emitter.removeListener(event, listener as (...args: unknown[]) => void)
      }
    }
  }
}

/** The one stderr line for a failed start-up: the message names the file or variable; unknown errors keep their stack. */
export function describeStartupFailure (err: unknown): string {
  const known = err instanceof ConfigError || err instanceof ArtefactError
  return `buy-again: cannot start: ${known ? err.message : (err as Error).stack ?? String(err)}`
}
