// BulkHistogram must expose exactly what prom-client's Histogram exposes for the same observations.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Histogram, Registry } from 'prom-client'
import { BulkHistogram } from '../src/observability/bulk-histogram.js'
import { createRandom } from '../src/domain/seeded-random.js'

const BUCKETS = [0.05, 0.1, 0.5, 1, 2.5]

/** The sample lines of an exposition with labels sorted by name, in a canonical order (prom-client puts le first). */
function samples (text: string): string[] {
  return text.split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.replace(/\{(.*)\}/, (_all, labels: string) => `{${labels.split(/,(?=[a-z_]+=")/).sort().join(',')}}`))
    .sort()
}

test('BulkHistogram - unlabelled, values on and between bounds - same buckets, sum and count as prom-client', async () => {
  const random = createRandom(7)
  // Exactly representable in float32, like the probabilities the service counts.
  const values = Array.from(Float32Array.from([0, 0.05, 0.1, 0.5, 1, 2.5, 2.6, 1e9, ...Array.from({ length: 500 }, () => random() * 3)]))
  const registry = new Registry()
  const reference = new Histogram({ name: 'h', help: 'x', buckets: BUCKETS, registers: [registry] })
  for (const v of values) reference.observe(v)
  const ours = new BulkHistogram({ name: 'h', help: 'x', buckets: BUCKETS })
  ours.labels().observeAll(Float32Array.from(values.slice(0, 8)))
  for (const v of values.slice(8)) ours.labels().observe(v)

  assert.deepEqual(samples(ours.render()), samples(await registry.metrics()))
})

test('BulkHistogram - labelled series - one series per label set, label order as declared, values escaped', async () => {
  const registry = new Registry()
  const reference = new Histogram({ name: 'd', help: 'x', buckets: BUCKETS, labelNames: ['method', 'route'], registers: [registry] })
  const ours = new BulkHistogram({ name: 'd', help: 'x', buckets: BUCKETS, labelNames: ['method', 'route'] })
  const observations: Array<[string, string, number]> = [['GET', '/a', 0.01], ['POST', '/b', 0.7], ['GET', '/a', 3], ['GET', 'q"uo\\te', 0.2]]
  for (const [method, route, v] of observations) {
    reference.observe({ method, route }, v)
    ours.labels(method, route).observe(v)
  }
  assert.deepEqual(samples(ours.render()), samples(await registry.metrics()))
  assert.match(ours.render(), /^d_count\{method="GET",route="\/a"\} 2$/m)
})

test('BulkHistogram - NaN observed - ignored, the sum stays a number', () => {
  const h = new BulkHistogram({ name: 'n', help: 'x', buckets: BUCKETS })
  h.labels().observeAll([0.2, Number.NaN, 0.3])
  assert.match(h.render(), /^n_count 2$/m)
  assert.match(h.render(), /^n_sum 0\.5$/m)
})

test('BulkHistogram - buckets not increasing - refused at construction', () => {
  assert.throws(() => new BulkHistogram({ name: 'b', help: 'x', buckets: [1, 1] }), /strictly increasing/)
  assert.throws(() => new BulkHistogram({ name: 'b', help: 'x', buckets: [] }), /strictly increasing/)
})
