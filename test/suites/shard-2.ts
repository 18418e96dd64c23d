// Shard 2 of 2 of the test files (see helpers/suite-shard.ts).
import { importShard } from '../helpers/suite-shard.js'

await importShard(2, 2)
