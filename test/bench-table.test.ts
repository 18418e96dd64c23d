// The benchmarks print rates for people: thousands separators, no decimals (507,800 rows/s).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { perSecond } from '../bench/human-numbers.js'
import { formatTable } from '../bench/results-table.js'

test('perSecond - fractions, thousands, millions - whole numbers with separators', () => {
  assert.equal(perSecond(507800.34), '507,800')
  assert.equal(perSecond(999.5), '1,000')
  assert.equal(perSecond(1234567), '1,234,567')
  assert.equal(perSecond(42), '42')
  assert.equal(perSecond(Number.NaN), 'NaN')
})

test('formatTable - a run\'s results - every req/s and rows/s figure as people read it', () => {
  const table = formatTable({
    loadGenerator: 'wrk',
    rounds: 3,
    secondsPerRun: 5,
    single: { ceilingRequestsPerSecond: 21034, modelRequestsPerSecond: 17650, ratio: 0.839, modelLatencyMs: { p50: 2.1, p99: 5.3 } },
    singleWithRequestLogs: { warnRequestsPerSecond: 17650, infoRequestsPerSecond: 12001, ratio: 0.68 },
    batches: [{ size: 10000, ceilingRowsPerSecond: 1650000, modelRowsPerSecond: 480000, ratio: 0.291, modelP99Ms: 80 }],
    fastapi: { singleRequestsPerSecond: { fastapi: 2500, model: 17650 }, singleSpeedup: 7.1, batch10kRowsPerSecond: { fastapi: 91000, model: 480000 }, batch10kSpeedup: 5.3 },
    batchSplit10k: { parseValidateMs: 5.1, featuresMs: 1.2, inferenceMs: 18.49, serializeMs: 3.3, inProcessRowsPerSecond: 507800.34, explainMs: 120 },
    startupToReadyMs: 1900,
    productionRssMb: { idle: 120.5, after10kBatch: 140.2, afterSustained10kBatches: 150.1, peak: 160.3 },
    modelRssMbAfterBatches: 170.4,
    training: { modelVersion: 'v20261129-1141bc32', seconds: 30.2 }
  })
  assert.match(table, /\| in-process scoring \(features \+ inference\), rows\/s \| 507,800 \|/)
  assert.match(table, /\| POST \/predict ceiling \(stub predictor\), req\/s \| 21,034 \|/)
  assert.match(table, /\| POST \/predict\/batch 10000: ceiling \/ model rows\/s \| 1,650,000 \/ 480,000 /)
  assert.match(table, /FastAPI \+ scikit-learn \/ model, rows\/s \(same run\) \| 91,000 \/ 480,000 /)
  assert.doesNotMatch(table, /507800/)
})
