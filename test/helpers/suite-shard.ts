// Imports every test file (test/*.test.ts) whose position in the sorted list falls in this shard, so
// one process runs many files: each file run on its own costs ~1-2 s of importing tsx, TensorFlow.js
// and Fastify before its first test, about half of the suite's time when every file had a process
// (one process for all files: 47 s against 90 s). Tests that measure time against deadlines (request
// timeouts, load shedding, the shutdown drain) live in test/timing/, each file in its own process:
// in a shared process another file's synchronous work can stall their clock.
import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const TEST_DIR = new URL('../', import.meta.url)

export async function importShard (shard: number, shards: number): Promise<void> {
  const files = readdirSync(fileURLToPath(TEST_DIR)).filter((name) => name.endsWith('.test.ts')).sort()
  for (const [i, name] of files.entries()) {
    if (i % shards === shard - 1) await import(new URL(name, TEST_DIR).href)
  }
}
