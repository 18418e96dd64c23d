// Writes openapi.yaml at the repository root from the route schemas (npm run openapi).
// The document depends only on the schemas and the default configuration, never on a trained model.
import { writeFile } from 'node:fs/promises'
import { renderOpenApiYaml } from '../src/http/openapi-document.js'

const target = new URL('../openapi.yaml', import.meta.url)
await writeFile(target, await renderOpenApiYaml())
process.stdout.write(`wrote ${target.pathname}\n`)
