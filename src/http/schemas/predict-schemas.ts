// JSON Schemas of the scoring routes' query strings and answers (the request body is customer.ts's).
import type { Config } from '../../config.js'
import { CUSTOMER_FIELDS } from '../../domain/customer.js'
import { REASONS_PER_CUSTOMER } from '../../model/explanations.js'
import { WARNING_CODES } from '../../scoring/input-warnings.js'
import { errorResponses } from './error-responses.js'

const thresholdParameter = {
  type: 'number',
  minimum: 0,
  maximum: 1,
  // No example: Swagger UI would prefill it and silently replace the model's threshold in "Try it out".
  description: 'Overrides the model\'s decision threshold for this request (e.g. 0.3): willBuy = probability >= threshold.'
} as const

const explainParameter = {
  type: 'boolean',
  default: false,
  description: `Adds the top ${REASONS_PER_CUSTOMER} reasons behind each probability. Method: occlusion against a typical customer - each field is set to its training-split reference value (mean; false for reviewed; the imputed score for reviewScore; one book for a total, while an average moves with its total so the number of books stays), the customer is scored again, and effect = probability - that probability, to two decimals. A positive effect means this customer's value raises the probability compared with a typical value. Where the model's direction surprises, the reason's text adds what the training data shows (from the model card's dataQuirks, e.g. that no customer who had listened bought again).`
} as const

const modelVersionParameter = {
  type: 'string',
  minLength: 1,
  description: 'Scores with this model version (a folder of the models root, see GET /models) instead of the current one: loaded and verified on first use, at most MAX_LOADED_MODELS versions kept in memory (least recently used dropped, never the current one). The answer\'s modelVersion says which version answered. Unknown version: 404 MODEL_VERSION_NOT_FOUND; a version whose files fail verification: 422 MODEL_VERSION_UNUSABLE naming the file.'
} as const

export const singleQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { threshold: thresholdParameter, explain: explainParameter, modelVersion: modelVersionParameter }
} as const

export const batchQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    threshold: thresholdParameter,
    modelVersion: modelVersionParameter,
    partial: { type: 'boolean', default: false, description: 'Score the valid customers and list the invalid ones instead of rejecting the whole batch.' },
    explain: explainParameter,
    contactCost: { type: 'number', minimum: 0, maximum: 1e9, description: 'Cost of contacting one customer. With conversionValue: each customer gets action "target" when its expectedProfit, probability x conversionValue - contactCost rounded to cents (2 decimals), is > 0 (highest expected profit first, within budget).', examples: [2] },
    conversionValue: { type: 'number', minimum: 0, maximum: 1e9, description: 'Value of one customer who buys again, in the currency of contactCost.', examples: [15] },
    budget: { type: 'integer', minimum: 0, maximum: 100_000_000, description: 'Most customers to target. Alone (without money figures): the budget most likely buyers are targeted.', examples: [500] }
  }
} as const

const probability = {
  type: 'number',
  minimum: 0,
  maximum: 1,
  description: 'Calibrated probability that the customer buys again within 6 months, to 9 decimal places (the model computes in float32). The same text for a customer whatever batch of 2 or more it comes in; one customer alone (POST /predict, a batch of one) runs a float64 executor and can read up to about 2e-7 away.',
  examples: [0.42]
} as const
const willBuy = { type: 'boolean', description: 'probability >= threshold.' } as const
const modelVersion = { type: 'string', description: 'Version of the model artefact that answered.', examples: ['v20261127-1a2b3c4d'] } as const
const threshold = { type: 'number', description: 'Threshold used for willBuy in this answer.', examples: [0.34] } as const
// A type list, not anyOf: fast-json-stringify checks anyOf branches with Ajv on every answer.
const customerId = { type: ['string', 'integer'], description: 'Echo of the customerId sent, when one was sent.' } as const

const reasons = {
  type: 'array',
  description: `With explain=true: the ${REASONS_PER_CUSTOMER} fields that moved this probability most, largest effect first (among effects that round to the same value, a field the training data explains first).`,
  items: {
    type: 'object',
    required: ['feature', 'value', 'effect', 'effectValue', 'text'],
    properties: {
      feature: { type: 'string', enum: CUSTOMER_FIELDS.map((f) => f.name) },
      value: { type: ['number', 'boolean', 'null'], description: 'This customer\'s value of the field.' },
      effect: { type: 'string', description: 'Change of probability with two decimals, signed; "0.00" when it rounds to zero (no "-0.00").', examples: ['+0.21', '-0.05', '0.00'] },
      effectValue: { type: 'number', description: 'The same change as a number, rounded the same way.', examples: [0.21] },
      text: {
        type: 'string',
        description: 'The customer\'s value in plain words; where the direction surprises, followed by what the training data shows (once per customer).',
        examples: ['has not listened to any minute yet: 4,925 of the 11,971 customers in the training file had listened to at least one minute; none of them bought again']
      }
    }
  }
} as const

const warnings = {
  type: 'array',
  description: 'Present when the inputs look wrong; the customer is scored all the same (a warning never changes the probability beyond the clipping the model always does). OUT_OF_RANGE: outside the training range, scored at its edge (prices in cents are the usual cause). INCONSISTENT: minutesListened differs by more than 5% from completion x bookLengthTotalMinutes (equal in every training customer); or, on reviewScore, reviewed is false but a score other than the one non-reviewers carry in training was sent (the model learned such customers as buyers: leave reviewScore out for non-reviewers). UNSEEN_COMBINATION: the customer has listened and bought several books, which no training customer did (listeners never bought again, buyers of several books always did), so the model extrapolates.',
  items: {
    type: 'object',
    required: ['field', 'code', 'message'],
    properties: {
      field: { type: 'string', enum: CUSTOMER_FIELDS.map((f) => f.name) },
      code: { type: 'string', enum: WARNING_CODES },
      message: { type: 'string', examples: ['priceAvg 950 is outside the training range 3.86 to 130.94 (USD): scored as 130.94. Are the prices in cents? They are expected in dollars.'] }
    }
  }
} as const

const predictionSchema = {
  type: 'object',
  required: ['probability', 'willBuy'],
  properties: {
    index: { type: 'integer', description: 'Position of the customer in the request (partial mode only).' },
    customerId,
    probability,
    willBuy,
    action: { type: 'string', enum: ['target', 'skip'], description: 'With contactCost + conversionValue and/or budget: whether to contact this customer.' },
    expectedProfit: { type: 'number', description: 'With contactCost + conversionValue: probability x conversionValue - contactCost, rounded to cents (2 decimals).', examples: [11.24] },
    reasons,
    warnings
  }
} as const

const targetingSummary = {
  type: 'object',
  description: 'With contactCost + conversionValue and/or budget: the plan in figures.',
  required: ['customers', 'expectedBuyers', 'targeted', 'expectedConversions', 'expectedProfit', 'expectedProfitTargetAll', 'rule'],
  properties: {
    customers: { type: 'integer' },
    expectedBuyers: { type: 'number', description: 'Sum of all probabilities (to 9 decimals, as each probability is given).' },
    targeted: { type: 'integer' },
    expectedConversions: { type: 'number', description: 'Sum of the targeted customers\' probabilities.' },
    expectedProfit: { type: ['number', 'null'], description: 'Expected profit of the plan: the sum of the targeted customers\' expectedProfit, in cents (null without money figures).' },
    expectedProfitTargetAll: { type: ['number', 'null'], description: 'Expected profit of contacting everyone: the sum of every customer\'s expectedProfit, in cents (null without money figures).' },
    contactCost: { type: ['number', 'null'] },
    conversionValue: { type: ['number', 'null'] },
    budget: { type: ['integer', 'null'] },
    rule: { type: 'string' }
  }
} as const

export const singleResponses = {
  200: {
    description: 'The prediction.',
    type: 'object',
    required: ['probability', 'willBuy', 'modelVersion', 'threshold'],
    properties: { customerId, probability, willBuy, modelVersion, threshold, reasons, warnings }
  },
  ...errorResponses(400, 401, 404, 413, 415, 422, 500, 503)
}

export function batchBodySchema (config: Config): object {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['customers'],
    properties: {
      customers: { type: 'array', minItems: 1, maxItems: config.maxBatch, items: { $ref: 'Customer#' } }
    }
  }
}

export const batchResponses = {
  200: {
    description: 'One prediction per customer, in request order (partial mode: valid customers only, with their index).',
    type: 'object',
    required: ['modelVersion', 'threshold', 'predictions', 'warnedCustomers'],
    properties: {
      modelVersion,
      threshold,
      predictions: { type: 'array', items: predictionSchema },
      warnedCustomers: { type: 'integer', description: 'Scored customers with at least one warning.' },
      targeting: targetingSummary,
      errors: {
        type: 'array',
        description: 'Partial mode only: the customers that were not scored and why.',
        items: {
          type: 'object',
          required: ['index', 'path', 'message'],
          properties: { index: { type: 'integer' }, path: { type: 'string' }, message: { type: 'string' } }
        }
      }
    }
  },
  ...errorResponses(400, 401, 404, 413, 415, 422, 500, 503)
}
