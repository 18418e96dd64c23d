// Hand-written, made-up customers shared by several test files (never rows of the real data file).
import type { CustomerInputs } from '../../src/domain/customer.js'

/** Average book 1620 min, two books (3240 min), $9.50 each ($19), reviewed 9/10, 45% listened, one support request. */
export const TWO_BOOK_CUSTOMER: Readonly<CustomerInputs> = {
  bookLengthAvgMinutes: 1620,
  bookLengthTotalMinutes: 3240,
  priceAvg: 9.5,
  priceTotal: 19,
  reviewed: true,
  reviewScore: 9,
  completion: 0.45,
  minutesListened: 1458,
  supportRequests: 1,
  lastVisitDaysAfterPurchase: 45
}
