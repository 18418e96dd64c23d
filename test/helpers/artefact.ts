// Builds artefact contents from a training result the way scripts/train.ts does, and temp directories.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FEATURE_DESCRIPTIONS, PREPROCESSING_HASH } from '../../src/domain/features.js'
import { serializeModel, type ArtefactContents } from '../../src/artefact/artefact-store.js'
import type { TrainingResult } from '../../src/training/pipeline.js'
import type { TrainingOptions } from '../../src/artefact/model-card.js'

export async function artefactContents (result: TrainingResult, options: TrainingOptions, version: string): Promise<ArtefactContents> {
  const { modelJson, weights } = await serializeModel(result.model)
  return {
    modelJson,
    weights,
    preprocessing: { ...result.stats, schemaHash: PREPROCESSING_HASH, featureDescriptions: FEATURE_DESCRIPTIONS },
    card: {
      version,
      createdAt: new Date(0).toISOString(),
      description: 'test artefact',
      threshold: result.threshold,
      thresholdMethod: result.thresholdMethod,
      baseRate: result.trainingBaseRate,
      calibration: { method: 'platt', ...result.calibration },
      metrics: { test: result.test, crossValidation: result.crossValidation },
      dataQuirks: result.dataQuirks,
      featureImportance: result.featureImportance,
      features: result.fieldStatistics,
      data: { file: 'synthetic.csv', sha256: '0'.repeat(64), layout: 'kaggle', rows: 0, skippedRows: 0, splits: result.rows },
      training: { seed: options.seed, options, members: result.members, seconds: 0 },
      libraries: {}
    }
  }
}

/** A fresh directory under the OS temp dir, and a function that removes it. */
export async function makeTempDir (prefix: string): Promise<{ dir: string, remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `buy-again-${prefix}-`))
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) }
}
