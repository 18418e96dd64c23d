// A wrong method on any served path is a 405 naming the methods it is served with: literal, parametric
// (/v2/models/{model_name}/...), wildcard (/docs/static/*) and percent-encoded paths alike; a path
// served by no route stays a 404.
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { templateServes } from '../src/http/route-methods.js'
import { buildTestApp } from './helpers/app.js'
import { committedStubModel } from './helpers/stub-model.js'

const app = await buildTestApp(committedStubModel())
after(async () => { await app.close() })

test('wrong method - literal, parametric, wildcard, encoded and trailing-slash paths - 405 with Allow; an unknown path 404', async () => {
  const cases: Array<[string, string, number, string | undefined]> = [
    ['PUT', '/predict', 405, 'POST'],
    ['DELETE', '/v2/models/buy-again/infer', 405, 'POST'],
    ['GET', '/v2/models/buy-again/versions/v1/infer', 405, 'POST'],
    ['POST', '/v2/models/buy-again', 405, 'GET, HEAD'],
    ['POST', '/docs/static/swagger-ui.css', 405, 'HEAD, GET'],
    ['DELETE', '/model%73', 405, 'GET, HEAD'],
    ['DELETE', '/model/', 405, 'GET, HEAD'],
    ['DELETE', '/nope', 404, undefined],
    // The wildcard's own method serves the path and found no file there: 404, not 405.
    ['GET', '/docs/static/nope.css', 404, undefined],
    ['HEAD', '/docs/static/nope.css', 404, undefined],
    ['DELETE', '/v2/models/buy-again/infer/extra', 404, undefined]
  ]
  for (const [method, url, status, allow] of cases) {
    const response = await app.inject({ method: method as 'GET', url })
    assert.equal(response.statusCode, status, `${method} ${url}`)
    assert.equal(response.headers.allow, allow, `${method} ${url}`)
    if (method !== 'HEAD') assert.equal(response.json().code, status === 405 ? 'METHOD_NOT_ALLOWED' : 'NOT_FOUND')
  }
})

test('templateServes - segments - a parameter takes one non-empty segment, * the rest, literals match exactly', () => {
  const t = (template: string): string[] => template.split('/')
  assert.equal(templateServes(t('/v2/models/:model_name'), t('/v2/models/x')), true)
  assert.equal(templateServes(t('/v2/models/:model_name'), t('/v2/models/')), false)
  assert.equal(templateServes(t('/v2/models/:model_name'), t('/v2/models/x/y')), false)
  assert.equal(templateServes(t('/docs/static/*'), t('/docs/static/a/b.css')), true)
  assert.equal(templateServes(t('/model'), t('/models')), false)
})
