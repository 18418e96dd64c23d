// Compressed request bodies are refused up front with 415, not parsed as garbage.
import assert from 'node:assert/strict'
import { gzipSync } from 'node:zlib'
import { test } from 'node:test'
import { buildTestApp, validCustomer } from './helpers/app.js'
import { committedStubModel } from './helpers/stub-model.js'

test('POST /predict - content-encoding gzip - 415 naming the encoding; identity accepted', async () => {
  const app = await buildTestApp(committedStubModel())
  const body = JSON.stringify(validCustomer())
  const gzipped = await app.inject({ method: 'POST', url: '/predict', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, payload: gzipSync(body) })
  assert.equal(gzipped.statusCode, 415)
  assert.equal(gzipped.json().code, 'UNSUPPORTED_MEDIA_TYPE')
  assert.match(gzipped.json().message, /content-encoding gzip/)
  const identity = await app.inject({ method: 'POST', url: '/predict', headers: { 'content-type': 'application/json', 'content-encoding': 'identity' }, payload: body })
  assert.equal(identity.statusCode, 200)
  await app.close()
})
