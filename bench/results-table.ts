// The table `npm run bench` prints: bench/run.ts's results object in Markdown, for people (rates as
// 507,800 rows/s); bench/results/latest.json keeps the numbers.
import { perSecond } from './human-numbers.js'

/** The results of one run (bench/results/latest.json's object) as a Markdown table, rates with thousands separators. */
export function formatTable (r: Record<string, any>): string {
  const s = r.single
  const split = r.batchSplit10k
  const lines = [
    '| measure | value |',
    '|---|---|',
    `| load generator | ${r.loadGenerator}, medians of ${r.rounds} alternating runs of ${r.secondsPerRun} s |`,
    `| POST /predict ceiling (stub predictor), req/s | ${perSecond(s.ceilingRequestsPerSecond)} |`,
    `| POST /predict model, req/s | ${perSecond(s.modelRequestsPerSecond)} (ratio ${s.ratio}) |`,
    `| POST /predict model latency p50 / p99, ms | ${s.modelLatencyMs.p50} / ${s.modelLatencyMs.p99} |`,
    `| POST /predict model, LOG_LEVEL warn / info (a log line per request), req/s | ${perSecond(r.singleWithRequestLogs.warnRequestsPerSecond)} / ${perSecond(r.singleWithRequestLogs.infoRequestsPerSecond)} (ratio ${r.singleWithRequestLogs.ratio}) |`,
    ...r.batches.map((b: { size: number, ceilingRowsPerSecond: number, modelRowsPerSecond: number, ratio: number, modelP99Ms: number }) => `| POST /predict/batch ${b.size}: ceiling / model rows/s | ${perSecond(b.ceilingRowsPerSecond)} / ${perSecond(b.modelRowsPerSecond)} (ratio ${b.ratio}, p99 ${b.modelP99Ms} ms) |`),
    ...(r.fastapi.skipped !== undefined
      ? [`| FastAPI + scikit-learn on this machine | not measured: ${r.fastapi.skipped} |`]
      : [
          `| POST /predict: FastAPI + scikit-learn / model, req/s (same run) | ${perSecond(r.fastapi.singleRequestsPerSecond.fastapi)} / ${perSecond(r.fastapi.singleRequestsPerSecond.model)} (${r.fastapi.singleSpeedup}x) |`,
          `| POST /predict/batch 10000: FastAPI + scikit-learn / model, rows/s (same run) | ${perSecond(r.fastapi.batch10kRowsPerSecond.fastapi)} / ${perSecond(r.fastapi.batch10kRowsPerSecond.model)} (${r.fastapi.batch10kSpeedup}x) |`
        ]),
    `| 10k batch split in-process, ms: parse+validate / features / inference / serialize | ${split.parseValidateMs} / ${split.featuresMs} / ${split.inferenceMs} / ${split.serializeMs} |`,
    `| in-process scoring (features + inference), rows/s | ${perSecond(split.inProcessRowsPerSecond)} |`,
    `| explain=true extra cost for 10k customers (in-process), ms | ${split.explainMs} |`,
    `| start-up to ready (node dist/server.js), ms | ${r.startupToReadyMs} |`,
    `| RSS of node dist/server.js: idle / after a 10k batch, MB | ${r.productionRssMb.idle} / ${r.productionRssMb.after10kBatch} |`,
    `| RSS of node dist/server.js after ${r.secondsPerRun} s of 10k batches on 4 connections / peak, MB | ${r.productionRssMb.afterSustained10kBatches} / ${r.productionRssMb.peak} |`,
    `| RSS of the benchmark model server (tsx) after all load runs, MB | ${r.modelRssMbAfterBatches} |`,
    `| training on the full data (${r.training.modelVersion}), s | ${r.training.seconds} |`
  ]
  return lines.join('\n')
}
