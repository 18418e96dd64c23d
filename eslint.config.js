// ESLint flat config: neostandard with TypeScript support.
import neostandard from 'neostandard'

export default [
  ...neostandard({ ts: true, ignores: ['dist/**', 'models/**', 'node_modules/**', '.tmp/**', 'bench/results/**', 'examples/typescript/api-types.ts'] })
]
