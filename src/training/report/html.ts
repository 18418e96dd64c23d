// Small HTML helpers for the report: escaping and number formats. Every text that reaches the page passes escapeHtml.

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Text safe inside an element or a quoted attribute. */
export function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] as string)
}

/** A number with a fixed count of decimals; "n/a" for NaN and infinities. */
export function fixed (x: number, decimals: number): string {
  return Number.isFinite(x) ? x.toFixed(decimals) : 'n/a'
}

/** A share as a percentage with one decimal ("12.3%"); "n/a" for NaN and infinities. */
export function percent (x: number): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : 'n/a'
}

/** A whole number with thousands separators that do not depend on the machine's locale. */
export function count (n: number): string {
  return Number.isFinite(n) ? Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',') : 'n/a'
}
