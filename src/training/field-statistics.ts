// Raw statistics of every customer field over the training split, for the model card (units, means, ranges).
import { CUSTOMER_FIELDS, type CustomerInputs, type FieldSpec } from '../domain/customer.js'
import type { FieldStatistics } from '../artefact/model-card.js'

/** Mean, standard deviation and range of every customer field over the given customers. */
export function fieldStatistics (customers: readonly CustomerInputs[]): FieldStatistics[] {
  return (CUSTOMER_FIELDS as readonly FieldSpec[]).map((field) => {
    const values: number[] = []
    for (const c of customers) {
      const v = (c as Record<string, unknown>)[field.name]
      if (typeof v === 'number') values.push(v)
      else if (typeof v === 'boolean') values.push(v ? 1 : 0)
    }
    const n = Math.max(1, values.length)
    const mean = values.reduce((s, v) => s + v, 0) / n
    const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / n)
    return {
      name: field.name,
      unit: field.unit,
      description: field.description,
      kaggleColumn: field.kaggleColumn,
      mean,
      std,
      min: values.length === 0 ? 0 : Math.min(...values),
      max: values.length === 0 ? 0 : Math.max(...values)
    }
  })
}
