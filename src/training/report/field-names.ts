// Customer fields as a reader knows them: the field table's label and description instead of the API name,
// and the direction of a field's pull on the probability in words.
import { CUSTOMER_FIELDS, type FieldSpec } from '../../domain/customer.js'

const FIELDS: ReadonlyMap<string, FieldSpec> = new Map((CUSTOMER_FIELDS as readonly FieldSpec[]).map((f) => [f.name, f]))

/** Below this absolute rank correlation a field has no clear direction. */
export const CLEAR_DIRECTION = 0.1
/** From this absolute rank correlation on, the pull is called strong. */
const STRONG_DIRECTION = 0.5

/** The field's short human name; a name the field table does not know is shown as it is. */
export function fieldLabel (name: string): string {
  return FIELDS.get(name)?.label ?? name
}

/** The field table's description; null for a name it does not know. */
export function fieldDescription (name: string): string | null {
  return FIELDS.get(name)?.description ?? null
}

export type DirectionKind = 'more-likely' | 'less-likely' | 'unclear' | 'unknown'

/** Which way higher values (or "yes") move the probability; 'unknown' on cards from before directions were recorded. */
export function directionKind (direction: number | undefined): DirectionKind {
  if (direction === undefined || !Number.isFinite(direction)) return 'unknown'
  if (Math.abs(direction) < CLEAR_DIRECTION) return 'unclear'
  return direction > 0 ? 'more-likely' : 'less-likely'
}

/**
 * The direction in a few words, for a chart label: "higher → less likely", "yes → more likely" for a
 * flag, "no clear direction", or null when the card does not record it.
 */
export function directionWords (name: string, direction: number | undefined): string | null {
  const kind = directionKind(direction)
  if (kind === 'unknown') return null
  if (kind === 'unclear') return 'no clear direction'
  const higher = FIELDS.get(name)?.type === 'boolean' ? 'yes' : 'higher'
  return `${higher} → ${kind === 'more-likely' ? 'more' : 'less'} likely`
}

/** For the summary: "Minutes listened: higher → less likely to buy again (a strong link)". */
export function directionPhrase (name: string, direction: number | undefined): string {
  const words = directionWords(name, direction)
  if (words === null) return 'direction not recorded for this model'
  if (directionKind(direction) === 'unclear') return 'no clear direction on its own (it matters together with other fields)'
  return `${words} to buy again${Math.abs(direction as number) >= STRONG_DIRECTION ? ' (a strong link)' : ''}`
}
