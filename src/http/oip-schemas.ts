// JSON Schemas of the Open Inference Protocol routes (routes/inference-protocol-v2.ts), written after
// KServe's rest_predict_v2.yaml; test/fixtures/oip-rest-v2.yaml holds the published schemas the
// answers are checked against. Stricter than the protocol where it leaves room (unknown fields are
// refused, as everywhere in this API); the tensors' meaning is checked in oip-tensors.ts.
import { OUTPUT_NAMES } from './oip-tensors.js'
import { statusHeaders } from './schemas/error-responses.js'

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request: a body that is not an inference request, or a tensor that is not a customer field (missing, unknown, wrong datatype, shape or length) or holds a value the field refuses; `error` names the tensor and the row (from 0).',
  401: 'Missing or wrong API key (when API_KEYS is set).',
  404: 'No such model (this server serves buy-again) or no such version of it.',
  413: 'Body larger than BODY_LIMIT_BYTES, or more rows than MAX_BATCH.',
  415: 'Content type other than application/json (a body without one is read as JSON), the binary tensor data extension, or a Content-Encoding other than identity.',
  422: 'The version asked for exists but cannot be served: a file is missing, corrupt or from other code.',
  500: 'Unexpected server error (details are in the server log under the x-request-id).',
  503: 'Overloaded (load shedding): retry after Retry-After seconds.'
}

/**
 * The protocol's error object: every error answer of these routes is {"error": "<message>"}. The
 * headers a status carries (a 503's Retry-After) are the same as on the other routes.
 */
export function oipErrorResponses (...statuses: number[]): Record<number, object> {
  return Object.fromEntries(statuses.map((status) => [status, {
    description: ERROR_DESCRIPTIONS[status] ?? 'Error.',
    ...statusHeaders(status),
    type: 'object',
    required: ['error'],
    properties: { error: { type: 'string', examples: ['input completion, row 7: must be <= 1'] } }
  }]))
}

const modelName = { type: 'string', description: 'The model: buy-again (any other name is 404).', examples: ['buy-again'] } as const
const modelVersion = {
  type: 'string',
  minLength: 1,
  description: 'A version of the models root (GET /v2/models/buy-again lists them): scores with it as `?modelVersion=` does on POST /predict/batch (loaded and verified on first use). Without it, the version in service answers.',
  examples: ['v20261129-2eb2a2bf']
} as const

export const modelParamsSchema = { type: 'object', required: ['model_name'], properties: { model_name: modelName } } as const
export const versionParamsSchema = {
  type: 'object',
  required: ['model_name', 'model_version'],
  properties: { model_name: modelName, model_version: modelVersion }
} as const

const metadataTensor = {
  type: 'object',
  required: ['name', 'datatype', 'shape'],
  properties: { name: { type: 'string' }, datatype: { type: 'string' }, shape: { type: 'array', items: { type: 'integer' } } }
} as const

export const serverMetadataSchema = {
  description: 'The server: name, version, and the protocol extensions it supports (none).',
  type: 'object',
  required: ['name', 'version', 'extensions'],
  properties: {
    name: { type: 'string', examples: ['buy-again-service'] },
    version: { type: 'string', examples: ['0.1.0'] },
    extensions: { type: 'array', items: { type: 'string' } }
  }
} as const

export const modelMetadataSchema = {
  description: 'The model: the versions that may be asked for, and one input tensor per customer field (reviewScore may be left out), two outputs.',
  type: 'object',
  required: ['name', 'versions', 'platform', 'inputs', 'outputs'],
  properties: {
    name: { type: 'string', examples: ['buy-again'] },
    versions: { type: 'array', items: { type: 'string' }, description: 'The version in service first, then every usable version of the models root.' },
    platform: { type: 'string', examples: ['tensorflowjs'] },
    inputs: { type: 'array', items: metadataTensor },
    outputs: { type: 'array', items: metadataTensor }
  }
} as const

export const liveSchema = {
  description: 'The process is up.',
  type: 'object',
  required: ['live'],
  properties: { live: { type: 'boolean' } }
} as const

const readyProperties = {
  ready: { type: 'boolean' },
  error: { type: 'string', description: 'Why not (when not ready).' }
} as const

export const serverReadySchema = { type: 'object', required: ['ready'], properties: readyProperties } as const
export const modelReadySchema = { type: 'object', required: ['name', 'ready'], properties: { name: { type: 'string' }, ...readyProperties } } as const

const inferParameters = {
  type: 'object',
  description: 'Optional. `threshold` overrides the model\'s decision threshold for willBuy, as `?threshold=` does on POST /predict/batch; other parameters are ignored.',
  properties: { threshold: { type: 'number', minimum: 0, maximum: 1 } }
} as const

export const inferBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['inputs'],
  properties: {
    id: { type: 'string', description: 'Echoed in the answer.' },
    parameters: inferParameters,
    inputs: {
      type: 'array',
      minItems: 1,
      description: 'One tensor per customer field, named as the field (see GET /v2/models/buy-again), shape [N] or [N, 1] with the same N for all: row i of every tensor is customer i. Numbers as FP32, FP64, INT32 or INT64 (integers for the INT types), reviewed as BOOL. reviewScore may be left out: then the imputed score is used for every row.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'shape', 'datatype', 'data'],
        properties: {
          name: { type: 'string', examples: ['completion'] },
          shape: { type: 'array', items: { type: 'integer', minimum: 0 }, examples: [[2]] },
          datatype: { type: 'string', examples: ['FP64'] },
          parameters: { type: 'object' },
          data: { type: 'array', description: 'The values, row-major: flat, or nested as the shape for [N, 1].', examples: [[0.45, 1]] }
        }
      }
    },
    outputs: {
      type: 'array',
      uniqueItems: true,
      description: 'Optional: the outputs wanted (default both), each once. Output parameters such as binary_data are ignored: data is always JSON.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: { name: { type: 'string', enum: OUTPUT_NAMES }, parameters: { type: 'object' } }
      }
    }
  }
} as const

export const inferResponseSchema = {
  description: 'probability (FP32, the calibrated probability to 9 decimal places, as POST /predict/batch reports it) and willBuy (BOOL, probability >= threshold), one row per customer in input order. parameters.warnedCustomers counts the customers with an input warning, as on POST /predict/batch, and parameters.warnings lists them.',
  type: 'object',
  required: ['model_name', 'model_version', 'outputs'],
  properties: {
    model_name: { type: 'string', examples: ['buy-again'] },
    model_version: { type: 'string', description: 'The version that scored.' },
    id: { type: 'string' },
    parameters: {
      type: 'object',
      properties: {
        threshold: { type: 'number', description: 'The threshold willBuy was decided with.' },
        warnedCustomers: { type: 'integer', description: 'Customers with at least one input warning.' },
        warnings: {
          type: 'string',
          description: 'Present when warnedCustomers > 0: the text of a JSON array of {row, field, code, message}, row counted from 0, the warnings POST /predict/batch gives those customers (a string: the protocol\'s parameters hold no objects).',
          examples: ['[{"row":0,"field":"priceAvg","code":"OUT_OF_RANGE","message":"priceAvg 950 is outside the training range 3.86 to 130.94 (USD): scored as 130.94. Are the prices in cents? They are expected in dollars."}]']
        }
      }
    },
    outputs: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'datatype', 'shape', 'data'],
        properties: {
          name: { type: 'string', enum: OUTPUT_NAMES },
          datatype: { type: 'string', enum: ['FP32', 'BOOL'] },
          shape: { type: 'array', items: { type: 'integer' } },
          // A type list, not anyOf: fast-json-stringify checks anyOf branches with Ajv on every value.
          data: { type: 'array', items: { type: ['number', 'boolean'] } }
        }
      }
    }
  }
} as const
