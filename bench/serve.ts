// A benchmark server: the real app on the committed model, or the same app with a stub predictor
// that answers a constant (the ceiling of this stack for the same body and validation).
// Usage: node --import tsx bench/serve.ts model|ceiling <port> [log level, default warn]
import { buildApp } from '../src/http/app.js'
import { loadConfig } from '../src/config.js'
import { ModelVersions } from '../src/model/model-versions.js'
import { loadConfiguredModel } from '../src/model/model-loader.js'
import type { ServingModel } from '../src/model/serving-model.js'

const [mode, portText, logLevel = 'warn'] = process.argv.slice(2)
const port = Number(portText)
if ((mode !== 'model' && mode !== 'ceiling') || !Number.isInteger(port)) {
  process.stderr.write('usage: serve.ts model|ceiling <port> [log level]\n')
  process.exit(2)
}
// Output goes to the parent's pipe, which drains it; at warn nothing is written per request.
const config = loadConfig({ LOG_LEVEL: logLevel, PORT: String(port) })
const { predictor: real } = await loadConfiguredModel(config)
const predictor: ServingModel = mode === 'model'
  ? real
  : { version: real.version, threshold: real.threshold, card: real.card, predict: async (customers) => new Float32Array(customers.length).fill(0.25) }
const versions = ModelVersions.fixed(predictor, config.modelsRoot)
const app = await buildApp(config, versions)
await app.listen({ port, host: '127.0.0.1' })
if (mode === 'model') await real.warmUp()
app.readiness.markReady()
process.stdout.write(`ready ${mode} ${port}\n`)
process.on('SIGTERM', () => { app.close().then(() => process.exit(0), () => process.exit(1)) })
