// loadConfig: defaults, parsing, one ConfigError naming every bad variable, a frozen result, the configuration table in docs/operations.md.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { ConfigError, ENV_DEFAULTS, loadConfig } from '../src/config.js'
import { DEFAULT_MODELS_ROOT } from '../src/artefact/models-root.js'

function configError (env: Record<string, string>): ConfigError {
  try {
    loadConfig(env)
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`)
    return err
  }
  assert.fail(`loadConfig accepted ${JSON.stringify(env)}`)
}

test('loadConfig - empty environment - the documented defaults', () => {
  assert.deepEqual(loadConfig({}), {
    port: 3000,
    host: '0.0.0.0',
    logLevel: 'info',
    modelDir: null,
    modelsRoot: DEFAULT_MODELS_ROOT,
    backend: 'wasm',
    maxBatch: 10_000,
    bodyLimitBytes: 8 * 1024 * 1024,
    shutdownTimeoutMs: 8000,
    shutdownDelayMs: 0,
    requestTimeoutMs: 30_000,
    keepAliveTimeoutMs: 72_000,
    maxHeaderBytes: 16_384,
    maxEventLoopDelayMs: 1000,
    apiKeys: [],
    maxLoadedModels: 3,
    driftWindow: 10_000
  })
})

test('loadConfig - every variable set - parsed and typed', () => {
  const config = loadConfig({
    PORT: '8080',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'debug',
    MODEL_DIR: '/srv/models/v1',
    TF_BACKEND: 'cpu',
    MAX_BATCH: '500',
    BODY_LIMIT_BYTES: '1048576',
    SHUTDOWN_TIMEOUT_MS: '2000',
    SHUTDOWN_DELAY_MS: '150',
    REQUEST_TIMEOUT_MS: '5000',
    KEEP_ALIVE_TIMEOUT_MS: '65000',
    MAX_HEADER_BYTES: '8192',
    MAX_EVENT_LOOP_DELAY_MS: '0',
    API_KEYS: 'key-aaaaaaaaaaaaaaaa, key-bbbbbbbbbbbbbbbb',
    MAX_LOADED_MODELS: '5',
    DRIFT_WINDOW: '500'
  }, '/srv/models')
  assert.deepEqual(config, {
    port: 8080,
    host: '127.0.0.1',
    logLevel: 'debug',
    modelDir: '/srv/models/v1',
    modelsRoot: '/srv/models',
    backend: 'cpu',
    maxBatch: 500,
    bodyLimitBytes: 1_048_576,
    shutdownTimeoutMs: 2000,
    shutdownDelayMs: 150,
    requestTimeoutMs: 5000,
    keepAliveTimeoutMs: 65_000,
    maxHeaderBytes: 8192,
    maxEventLoopDelayMs: 0,
    apiKeys: ['key-aaaaaaaaaaaaaaaa', 'key-bbbbbbbbbbbbbbbb'],
    maxLoadedModels: 5,
    driftWindow: 500
  })
})

test('loadConfig - blank and padded values - blank means the default, padding is trimmed', () => {
  const config = loadConfig({ PORT: '  ', LOG_LEVEL: ' warn ', MAX_BATCH: '', MODEL_DIR: '   ' })
  assert.equal(config.port, 3000)
  assert.equal(config.logLevel, 'warn')
  assert.equal(config.maxBatch, 10_000)
  assert.equal(config.modelDir, null)
})

test('loadConfig - limits of the integer ranges - accepted', () => {
  assert.equal(loadConfig({ PORT: '0' }).port, 0)
  assert.equal(loadConfig({ PORT: '65535' }).port, 65_535)
  assert.equal(loadConfig({ MAX_BATCH: '1' }).maxBatch, 1)
  assert.equal(loadConfig({ BODY_LIMIT_BYTES: '1024' }).bodyLimitBytes, 1024)
  assert.equal(loadConfig({ DRIFT_WINDOW: '1' }).driftWindow, 1)
  assert.equal(loadConfig({ DRIFT_WINDOW: '100000' }).driftWindow, 100_000)
})

test('loadConfig - one bad variable - ConfigError naming it and the bad value', () => {
  const cases: Array<[string, string]> = [
    ['PORT', 'abc'], ['PORT', '70000'], ['PORT', '-1'], ['PORT', '3000.5'], ['PORT', '0x10'], ['PORT', '1e3'],
    ['LOG_LEVEL', 'loud'], ['LOG_LEVEL', 'INFO'],
    ['MAX_BATCH', '0'], ['MAX_BATCH', 'many'],
    ['TF_BACKEND', 'gpu'], ['TF_BACKEND', 'webgl'],
    ['BODY_LIMIT_BYTES', '10'], ['SHUTDOWN_TIMEOUT_MS', 'soon'], ['SHUTDOWN_DELAY_MS', '-5'],
    ['DRIFT_WINDOW', '0'], ['DRIFT_WINDOW', '100001'], ['DRIFT_WINDOW', '10k']
  ]
  for (const [name, value] of cases) {
    const err = configError({ [name]: value })
    assert.equal(err.problems.length, 1, `${name}=${value}: ${err.message}`)
    assert.match(err.message, new RegExp(`\\b${name}\\b`), `${name}=${value}`)
    assert.ok(err.message.includes(`"${value}"`), `${name}=${value}: the message quotes the value: ${err.message}`)
    assert.equal(err.name, 'ConfigError')
  }
})

test('loadConfig - several bad variables - one ConfigError naming every one', () => {
  const err = configError({ PORT: 'abc', LOG_LEVEL: 'loud', MAX_BATCH: '0', TF_BACKEND: 'gpu', HOST: 'localhost' })
  assert.equal(err.problems.length, 4)
  for (const name of ['PORT', 'LOG_LEVEL', 'MAX_BATCH', 'TF_BACKEND']) {
    assert.match(err.message, new RegExp(`\\b${name}\\b`))
    assert.ok(err.problems.some((p) => p.startsWith(name)), name)
  }
  assert.doesNotMatch(err.message, /HOST/)
})

test('loadConfig - result - frozen', () => {
  const config = loadConfig({})
  assert.ok(Object.isFrozen(config))
  assert.throws(() => { (config as { port: number }).port = 1 }, TypeError)
  assert.equal(config.port, 3000)
})

test('loadConfig - process.env - not read: only the environment passed in counts', () => {
  const saved = process.env.PORT
  process.env.PORT = '4321'
  try {
    assert.equal(loadConfig({}).port, 3000)
  } finally {
    if (saved === undefined) delete process.env.PORT
    else process.env.PORT = saved
  }
})

test('ENV_DEFAULTS - docs/operations.md configuration table - same variables and defaults', async () => {
  const readme = await readFile(new URL('../docs/operations.md', import.meta.url), 'utf8')
  const section = readme.split('## Configuration')[1]?.split('\n## ')[0] ?? ''
  const documented = Object.fromEntries([...section.matchAll(/^\| `([A-Z_]+)` \| ([^|]+) \|/gm)].map((m) => {
    const cell = (m[2] as string).trim()
    return [m[1], cell === '(empty)' ? '' : cell.replace(/^`|`$/g, '')]
  }))
  assert.deepEqual(documented, { ...ENV_DEFAULTS })
})

test('loadConfig - a short API key - ConfigError naming API_KEYS without echoing the key', () => {
  const error = configError({ API_KEYS: 'good-key-0123456789,short' })
  assert.match(error.message, /API_KEYS/)
  assert.doesNotMatch(error.message, /short|good-key/)
})
