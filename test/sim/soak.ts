// The long simulation run, for hunting rare bugs: npm run soak -- [seedCount] [firstSeed]
// Prints every failing seed with the command that replays it; exits non-zero if any failed.
import { defaultSimulationOptions, runSimulation } from './simulation.ts';

const seedCount = Number(process.argv[2] ?? '2000');
const firstSeed = Number(process.argv[3] ?? '100000');
const started = performance.now();
const failures: number[] = [];
let committed = 0;
for (let seed = firstSeed; seed < firstSeed + seedCount; seed++) {
  try {
    committed += runSimulation(defaultSimulationOptions(seed)).committed;
  } catch (error) {
    failures.push(seed);
    console.error(`FAIL seed ${seed} (replay: node test/sim/run-one.ts ${seed})\n${error instanceof Error ? error.message : String(error)}`);
  }
  if ((seed - firstSeed + 1) % 100 === 0) {
    console.log(`${seed - firstSeed + 1}/${seedCount} seeds, ${failures.length} failed, ${Math.round((performance.now() - started) / 1000)} s`);
  }
}
console.log(JSON.stringify({ seeds: seedCount, firstSeed, failures, committedEntries: committed, seconds: Math.round((performance.now() - started) / 1000) }));
process.exitCode = failures.length > 0 ? 1 : 0;
