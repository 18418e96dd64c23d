// Small edits on CSV text for tests: replace one cell, drop one cell, in a file written with LF or CRLF.
import { CUSTOMER_FIELDS, type CustomerFieldName } from '../../src/domain/customer.js'

/** Column index of a field in the Kaggle, API and headerless layouts written by toCsv (ID first). */
export function columnIndexOf (field: CustomerFieldName): number {
  const index = CUSTOMER_FIELDS.findIndex((f) => f.name === field)
  if (index === -1) throw new Error(`no field ${field}`)
  return index + 1
}

function editLine (csv: string, line: number, edit: (cells: string[]) => string[]): string {
  const eol = csv.includes('\r\n') ? '\r\n' : '\n'
  const lines = csv.split(eol)
  const target = lines[line - 1]
  if (target === undefined) throw new Error(`the CSV has no line ${line}`)
  lines[line - 1] = edit(target.split(',')).join(',')
  return lines.join(eol)
}

/** Replaces the cell at 1-based file `line` and 0-based `column` (no quoting: test data has none). */
export function replaceCell (csv: string, line: number, column: number, value: string): string {
  return editLine(csv, line, (cells) => {
    if (column >= cells.length) throw new Error(`line ${line} has no column ${column}`)
    cells[column] = value
    return cells
  })
}

/** Removes the cell at 1-based file `line` and 0-based `column`. */
export function removeCell (csv: string, line: number, column: number): string {
  return editLine(csv, line, (cells) => cells.filter((_, i) => i !== column))
}
