// Rates as people read them in the benchmarks' output: 507,800 rows/s, not 507800.34 rows/s. The JSON
// results keep the plain numbers.

/** A rate (per second) rounded to a whole number with thousands separators: 507800.34 -> "507,800". */
export function perSecond (rate: number): string {
  return Number.isFinite(rate) ? Math.round(rate).toLocaleString('en-US') : String(rate)
}
