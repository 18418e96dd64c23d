// The OpenAPI 3 description generated from the route schemas (GET /openapi.json, /openapi.yaml)
// and a Swagger UI page (GET /docs) whose assets are served locally, so it works offline.
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import { describeWire } from '../schemas/openapi-wire.js'

export const OPENAPI_INFO = {
  title: 'Buy-again prediction API',
  version: '1.0.0',
  description: [
    'Calibrated probabilities that an audiobook customer buys again within the next 6 months.',
    'Probabilities are honest: averaged over many customers they match the observed buy-again rate, so they can be',
    'summed into expected buyers and budgets. `willBuy` compares the probability with the model\'s threshold',
    '(chosen to maximize F1 on out-of-fold predictions of the training customers; see GET /model) or with `?threshold=`.',
    'Every client error is JSON with `statusCode`, `error`, `code`, `message` (naming the field path and batch index) and `requestId`;',
    'every answer carries the `x-request-id` header.',
    // Said once here rather than as a 404 under every operation: an unknown path belongs to no
    // operation, and a client generated from this document only calls the listed ones.
    'A path not listed here answers 404 NOT_FOUND with the same Error body (GET / redirects to the /docs page).'
  ].join(' '),
  // package.json is private with no licence: the API is not published for reuse. OpenAPI 3.1 wants an
  // SPDX identifier or a URL; LicenseRef- is SPDX's form for a licence of one's own.
  license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' }
}

/**
 * Relative: the server the document was fetched from (Swagger UI's "Try it out" then calls the pod or
 * port it is looking at); a generated client is given its base URL. A fixed localhost URL would be
 * wrong everywhere but on a developer's machine.
 */
export const OPENAPI_SERVERS = [
  { url: '/', description: 'The server serving this document; one started with npm start listens on http://localhost:3000 (PORT).' }
]

/** Registers @fastify/swagger; call before any route so every route is collected. */
export async function registerOpenApi (app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      // 3.1: its schemas are JSON Schema, like the ones the routes validate with (type arrays for
      // nullable fields, numeric exclusiveMinimum).
      openapi: '3.1.0',
      info: OPENAPI_INFO,
      servers: OPENAPI_SERVERS,
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'Needed only when the server runs with API_KEYS set.' }
        }
      },
      tags: [
        { name: 'prediction', description: 'Scoring customers' },
        { name: 'model', description: 'The served model' },
        { name: 'operations', description: 'Probes, metrics and documentation' }
      ]
    },
    // Headers and edge statuses every operation shares, added to the generated document (openapi-wire.ts).
    transformObject: (documentObject) => {
      if (!('openapiObject' in documentObject)) throw new Error('an OpenAPI 3 document was expected')
      return describeWire(documentObject.openapiObject)
    },
    refResolver: {
      // Shared schemas appear under their own names (Customer, Error) in components.schemas.
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`)
    }
  })
}

/** The service's mark in the page's top bar (white on Swagger UI's dark bar), in place of Fastify's logo. */
const WORDMARK_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="330" height="40" viewBox="0 0 330 40">
<rect x="0" y="4" width="32" height="32" rx="6" fill="#2f7d5b"/>
<text x="16" y="27.5" text-anchor="middle" font-family="system-ui, 'Segoe UI', Helvetica, Arial, sans-serif" font-size="20" font-weight="700" fill="#fff">B</text>
<text x="44" y="27.5" font-family="system-ui, 'Segoe UI', Helvetica, Arial, sans-serif" font-size="20" font-weight="600" fill="#fff">${OPENAPI_INFO.title}</text>
</svg>`

/** The same mark's square as the tab icon, in place of Swagger's. */
const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32" viewBox="0 0 32 32">
<rect width="32" height="32" rx="6" fill="#2f7d5b"/>
<text x="16" y="23.5" text-anchor="middle" font-family="system-ui, 'Segoe UI', Helvetica, Arial, sans-serif" font-size="20" font-weight="700" fill="#fff">B</text>
</svg>`

/**
 * Branding of GET /docs: the API's title as the page title, its own logo and tab icon. Everything is
 * served by this server (the logo as a data: URL in the page's script), so the page works offline.
 * The top bar's box for loading another document is hidden: this page documents this API only.
 */
export const DOCS_BRANDING = {
  logo: { type: 'image/svg+xml', content: Buffer.from(WORDMARK_SVG) },
  theme: {
    title: OPENAPI_INFO.title,
    favicon: [{ filename: 'favicon.svg', rel: 'icon', sizes: 'any', type: 'image/svg+xml', content: Buffer.from(ICON_SVG) }],
    css: [{ filename: 'theme.css', content: '.swagger-ui .topbar .download-url-wrapper { display: none; }\n' }]
  }
}

export async function docsRoutes (app: FastifyInstance): Promise<void> {
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: false }, ...DOCS_BRANDING })
  // The address a newcomer types first: to the page that lists everything, rather than a 404.
  app.get('/', { schema: { hide: true } }, async (_request, reply) => await reply.redirect('/docs', 302))
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
  app.get('/openapi.yaml', { schema: { hide: true } }, async (_request, reply) => {
    return await reply.type('application/yaml; charset=utf-8').send(app.swagger({ yaml: true }))
  })
}
