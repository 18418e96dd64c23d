// Checks across fields of one customer that the JSON Schema cannot state, shared by every way in
// (JSON, CSV bodies, the score CLI, training): a total below its own average is impossible (0 of the
// 11,971 training customers), and is what sending the Kaggle file's swapped avg/total columns looks
// like. Also the Kaggle column names, so a body written with them is told the API names.
import { CUSTOMER_FIELDS, type CustomerFieldName, type CustomerInputs } from './customer.js'

export interface ConsistencyProblem {
  /** The field reported (the total). */
  readonly field: CustomerFieldName
  /** The field it contradicts (the average). */
  readonly otherField: CustomerFieldName
  readonly message: string
}

/** Average / total pairs: the total is at least the average (one book: equal). */
const AVERAGE_TOTAL_PAIRS = [
  { average: 'bookLengthAvgMinutes', total: 'bookLengthTotalMinutes' },
  { average: 'priceAvg', total: 'priceTotal' }
] as const satisfies ReadonlyArray<{ average: CustomerFieldName, total: CustomerFieldName }>

/** Float noise allowed when a one-book customer's total is computed rather than copied. */
const RELATIVE_SLACK = 1e-9

const kaggleColumnOf = (name: CustomerFieldName): string => CUSTOMER_FIELDS.find((f) => f.name === name)?.kaggleColumn ?? name

/** What is wrong across fields of `customer` (empty when nothing is). */
export function consistencyProblems (customer: CustomerInputs): ConsistencyProblem[] {
  const problems: ConsistencyProblem[] = []
  for (const { average, total } of AVERAGE_TOTAL_PAIRS) {
    const averageValue = customer[average]
    const totalValue = customer[total]
    if (totalValue < averageValue * (1 - RELATIVE_SLACK)) {
      problems.push({
        field: total,
        otherField: average,
        message: `(${totalValue}) is below ${average} (${averageValue}): a total cannot be below its average. ` +
          `Are the columns swapped? In the Kaggle file ${kaggleColumnOf(average)} is the average and ${kaggleColumnOf(total)} the total`
      })
    }
  }
  return problems
}

/** Kaggle column name -> API field name ("ID" -> "customerId"). */
const API_NAME_OF_KAGGLE_COLUMN: ReadonlyMap<string, string> = new Map([
  ['ID', 'customerId'],
  ...CUSTOMER_FIELDS.map((f): [string, string] => [f.kaggleColumn, f.name])
])

/** The API field a Kaggle column name stands for, or undefined. */
export function apiNameOfKaggleColumn (name: string): string | undefined {
  return API_NAME_OF_KAGGLE_COLUMN.get(name)
}
