// Seeded generator of synthetic customers shaped like the audiobook data (never real rows),
// with labels drawn from a known logistic rule so a model has something to learn.
import { CUSTOMER_FIELDS, type Customer } from '../../src/domain/customer.js'
import { createRandom } from '../../src/domain/seeded-random.js'

const BOOK_LENGTHS = [324, 648, 1080, 1188, 1620, 2160]

export interface SyntheticData {
  readonly customers: Customer[]
  readonly labels: number[]
}

export interface GenerateOptions {
  /** Share of customers who bought two books (average != total length and price); 0.05 unless given. */
  readonly twoBookShare?: number
  /** 'numeric': ids 1000 + i (the default); 'mixed': `c-<i>` strings at even i, 5000 + i integers at odd i. */
  readonly ids?: 'numeric' | 'mixed'
}

export function generateCustomers (count: number, seed: number, options: GenerateOptions = {}): SyntheticData {
  const { twoBookShare = 0.05, ids = 'numeric' } = options
  const random = createRandom(seed)
  const pickOne = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T
  const customers: Customer[] = []
  const labels: number[] = []
  for (let i = 0; i < count; i++) {
    const books = random() < twoBookShare ? 2 : 1
    const avg = pickOne(BOOK_LENGTHS)
    const priceAvg = Math.round((4 + random() * 8) * 100) / 100
    const reviewed = random() < 0.16
    const listened = random() < 0.4
    const completion = listened ? Math.round(random() * 100) / 100 : 0
    const lastVisit = random() < 0.4 ? 0 : Math.floor(random() * 400)
    const support = random() < 0.05 ? 1 + Math.floor(random() * 3) : 0
    const customer: Customer = {
      customerId: ids === 'mixed' ? (i % 2 === 0 ? `c-${i}` : 5000 + i) : 1000 + i,
      bookLengthAvgMinutes: avg,
      bookLengthTotalMinutes: avg * books,
      priceAvg,
      priceTotal: Math.round(priceAvg * books * 100) / 100,
      reviewed,
      reviewScore: reviewed ? 1 + Math.floor(random() * 10) : null,
      completion,
      minutesListened: Math.round(completion * avg * books * 10) / 10,
      supportRequests: support,
      lastVisitDaysAfterPurchase: lastVisit
    }
    const z = -1.5 + (books > 1 ? 3 : 0) - (listened ? 2 : 0) + (lastVisit > 0 ? 1 : 0) + (reviewed ? 1 : 0) + support * 0.8
    labels.push(random() < 1 / (1 + Math.exp(-z)) ? 1 : 0)
    customers.push(customer)
  }
  return { customers, labels }
}

export type CsvHeaderStyle = 'kaggle' | 'api' | 'headerless'

/** Renders customers (+ labels) as CSV in the given header style and line ending. */
export function toCsv (data: SyntheticData, style: CsvHeaderStyle, eol: '\n' | '\r\n' = '\n', withLabels = true): string {
  const columns = CUSTOMER_FIELDS.map((f) => (style === 'api' ? f.name : f.kaggleColumn))
  const header = [style === 'api' ? 'customerId' : 'ID', ...columns, ...(withLabels ? [style === 'api' ? 'target' : 'Target'] : [])]
  const lines = data.customers.map((c, i) => {
    const cells = CUSTOMER_FIELDS.map((f) => {
      const v = c[f.name]
      if (v === null || v === undefined) return style === 'api' ? '' : '8.91'
      if (typeof v === 'boolean') return style === 'api' ? String(v) : (v ? '1' : '0')
      return String(v)
    })
    return [String(c.customerId ?? ''), ...cells, ...(withLabels ? [String(data.labels[i])] : [])].join(',')
  })
  return [...(style === 'headerless' ? [] : [header.join(',')]), ...lines].join(eol) + eol
}
