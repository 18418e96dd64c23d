// Service configuration: the only module that reads environment variables. loadConfig validates every
// variable and throws one ConfigError naming each bad one, so start-up fails before listening.
import { DEFAULT_MODELS_ROOT } from './artefact/models-root.js'
import { BACKENDS, type BackendName } from './artefact/tensorflow.js'

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

export interface Config {
  readonly port: number
  readonly host: string
  readonly logLevel: LogLevel
  /** Artefact directory; null means the version named by <modelsRoot>/CURRENT. */
  readonly modelDir: string | null
  readonly modelsRoot: string
  readonly backend: BackendName
  /** Most customers accepted in one batch request. */
  readonly maxBatch: number
  /** Largest request body in bytes. */
  readonly bodyLimitBytes: number
  /** Longest time in-flight requests get to finish after SIGTERM before the process exits anyway. */
  readonly shutdownTimeoutMs: number
  /** Pause between readiness turning 503 and closing the listener (lets a load balancer drain). */
  readonly shutdownDelayMs: number
  /** Longest time to receive a whole request; 0 disables. */
  readonly requestTimeoutMs: number
  /** Idle time before a keep-alive connection is closed. */
  readonly keepAliveTimeoutMs: number
  /** Largest total size of request headers. */
  readonly maxHeaderBytes: number
  /** Event-loop delay above which scoring requests get 503 + Retry-After instead of queueing; 0 disables. */
  readonly maxEventLoopDelayMs: number
  /** Accepted API keys; empty means no authentication. */
  readonly apiKeys: readonly string[]
  /** Most model versions held in memory at once, the current one included (pinned versions are dropped least recently used first). */
  readonly maxLoadedModels: number
  /** Customers of the current model version kept (as bin indexes) for drift monitoring: the last this many scored. */
  readonly driftWindow: number
}

export class ConfigError extends Error {
  readonly problems: readonly string[]
  constructor (problems: readonly string[]) {
    super(`invalid configuration: ${problems.join('; ')}`)
    this.name = 'ConfigError'
    this.problems = problems
  }
}

/** Every variable the service reads, with its default: the table in docs/operations.md and the Kubernetes manifests are checked against it. */
export const ENV_DEFAULTS = {
  PORT: '3000',
  HOST: '0.0.0.0',
  LOG_LEVEL: 'info',
  MODEL_DIR: '',
  TF_BACKEND: 'wasm',
  MAX_BATCH: '10000',
  BODY_LIMIT_BYTES: String(8 * 1024 * 1024),
  SHUTDOWN_TIMEOUT_MS: '8000',
  SHUTDOWN_DELAY_MS: '0',
  REQUEST_TIMEOUT_MS: '30000',
  KEEP_ALIVE_TIMEOUT_MS: '72000',
  MAX_HEADER_BYTES: '16384',
  MAX_EVENT_LOOP_DELAY_MS: '1000',
  API_KEYS: '',
  MAX_LOADED_MODELS: '3',
  DRIFT_WINDOW: '10000'
} as const

/** Shortest API key accepted: long enough that guessing is hopeless. */
export const MIN_API_KEY_LENGTH = 16

type EnvName = keyof typeof ENV_DEFAULTS

/**
 * MODEL_DIR of an environment, trimmed; null when unset or blank (then CURRENT names the version).
 * Exported for `npm run score`, which honours the variable as the server does.
 */
export function modelDirFromEnv (env: Readonly<Record<string, string | undefined>>): string | null {
  const value = env.MODEL_DIR?.trim() ?? ''
  return value === '' ? null : value
}

/** Builds a frozen Config from an environment (process.env in production, a plain object in tests). */
export function loadConfig (env: Readonly<Record<string, string | undefined>>, modelsRoot = DEFAULT_MODELS_ROOT): Config {
  const problems: string[] = []
  const read = (name: EnvName): string => {
    const value = env[name]
    return value === undefined || value.trim() === '' ? ENV_DEFAULTS[name] : value.trim()
  }
  const integer = (name: EnvName, min: number, max: number): number => {
    const text = read(name)
    const value = Number(text)
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer from ${min} to ${max}, got "${text}"`)
      return min
    }
    return value
  }
  const oneOf = <T extends string>(name: EnvName, allowed: readonly T[]): T => {
    const text = read(name)
    if (!(allowed as readonly string[]).includes(text)) {
      problems.push(`${name} must be one of ${allowed.join(', ')}, got "${text}"`)
      return allowed[0] as T
    }
    return text as T
  }
  const config: Config = {
    port: integer('PORT', 0, 65535),
    host: read('HOST'),
    logLevel: oneOf('LOG_LEVEL', LOG_LEVELS),
    modelDir: modelDirFromEnv(env),
    modelsRoot,
    backend: oneOf('TF_BACKEND', BACKENDS),
    maxBatch: integer('MAX_BATCH', 1, 1_000_000),
    bodyLimitBytes: integer('BODY_LIMIT_BYTES', 1024, 1024 * 1024 * 1024),
    shutdownTimeoutMs: integer('SHUTDOWN_TIMEOUT_MS', 100, 600_000),
    shutdownDelayMs: integer('SHUTDOWN_DELAY_MS', 0, 600_000),
    requestTimeoutMs: integer('REQUEST_TIMEOUT_MS', 0, 3_600_000),
    keepAliveTimeoutMs: integer('KEEP_ALIVE_TIMEOUT_MS', 1, 3_600_000),
    maxHeaderBytes: integer('MAX_HEADER_BYTES', 1024, 1024 * 1024),
    maxEventLoopDelayMs: integer('MAX_EVENT_LOOP_DELAY_MS', 0, 600_000),
    apiKeys: apiKeys(read('API_KEYS')),
    maxLoadedModels: integer('MAX_LOADED_MODELS', 1, 20),
    // 19 bytes per customer (a bin index per field, a missing-score flag, the probability); the bins
    // are counted again for each report or scrape, ~5 ms at the upper bound.
    driftWindow: integer('DRIFT_WINDOW', 1, 100_000)
  }
  function apiKeys (text: string): string[] {
    const keys = text === '' ? [] : text.split(',').map((k) => k.trim())
    // Never echo a key in the message: it would land in logs.
    if (keys.some((k) => k.length < MIN_API_KEY_LENGTH || /\s/.test(k))) {
      problems.push(`API_KEYS must be a comma-separated list of keys of at least ${MIN_API_KEY_LENGTH} characters without spaces`)
      return []
    }
    return keys
  }
  if (problems.length > 0) throw new ConfigError(problems)
  return Object.freeze(config)
}
