// A count with its noun in user-facing text: "1 customer", "2 customers", never "1 customers".

/** `n` and the noun, singular for exactly 1 ("1 row", "0 rows", "10000 rows"); `plural` for irregular nouns. */
export function counted (n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`
}
