// Runs scripts/train.ts as a child process and collects its exit code and output.
import { runScript, type ScriptRun } from './run-script.js'

export function runTrain (args: readonly string[], timeoutMs = 60_000): Promise<ScriptRun> {
  return runScript('scripts/train.ts', args, { timeoutMs })
}
