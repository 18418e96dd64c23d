// node --import tsx bench/model-cost.ts <model dir A> <model dir B> [--rounds 40]
// What a model costs to score: 10,000 synthetic customers through each verified model (wasm, the
// compiled executor), alternating A and B every round so this VM's speed drift hits both alike.
// Prints the median time per 10,000 customers of each and the ratio B / A.
import { initTensorFlow } from '../src/artefact/tensorflow.js'
import { loadVerifiedModel } from '../src/model/model-loader.js'
import { generateCustomers } from '../test/helpers/synthetic.js'
import { numberArgument } from './arguments.js'

const ROUNDS = numberArgument('--rounds', 40)
const dirs = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && all[i - 1] !== '--rounds')
if (dirs.length !== 2) {
  process.stderr.write('usage: node --import tsx bench/model-cost.ts <model dir A> <model dir B> [--rounds N]\n')
  process.exit(2)
}

await initTensorFlow('wasm')
const models = await Promise.all(dirs.map(async (dir) => await loadVerifiedModel(dir)))
const customers = generateCustomers(10_000, 5).customers
const times: number[][] = models.map(() => [])
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? [0, 1] : [1, 0]
  for (const m of order) {
    const started = performance.now()
    await models[m]?.predict(customers)
    times[m]?.push(performance.now() - started)
  }
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number
const [a, b] = times.map(median) as [number, number]
process.stdout.write(`per 10,000 customers, median of ${ROUNDS} rounds: A ${a.toFixed(2)} ms (${dirs[0]}), B ${b.toFixed(2)} ms (${dirs[1]}); B / A = ${(b / a).toFixed(2)}\n`)
for (const m of models) m.dispose()
