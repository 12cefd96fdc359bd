// The simulation budget `npm test` runs: a fixed list of seeds (200, about 10 s on a 2-core machine);
// seed % 3 === 0 runs 5 nodes, the rest 3. Override the count with SIM_SEEDS; the long
// search is `npm run soak`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { defaultSimulationOptions, runSimulation } from './simulation.ts';

const SEED_COUNT = Number(process.env['SIM_SEEDS'] ?? '200');
const FIRST_SEED = 1;

describe('Raft deterministic simulation', () => {
  it(`keeps every safety property, linearizability and liveness for ${SEED_COUNT} seeds`, () => {
    const failures: string[] = [];
    let fiveNodeRuns = 0;
    let minorityDownRuns = 0;
    for (let seed = FIRST_SEED; seed < FIRST_SEED + SEED_COUNT; seed++) {
      const options = defaultSimulationOptions(seed);
      if (options.nodeCount === 5) fiveNodeRuns++;
      try {
        const result = runSimulation(options);
        if (result.keptDownAtHeal > 0) minorityDownRuns++;
      } catch (error) {
        failures.push(`seed ${seed} (replay: node test/sim/run-one.ts ${seed}): ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    assert.deepEqual(failures, [], failures.join('\n'));
    assert.ok(fiveNodeRuns > 0 && fiveNodeRuns < SEED_COUNT, 'the budget covers both 3- and 5-node clusters');
    assert.ok(minorityDownRuns > 0 || SEED_COUNT < 20, 'some runs check liveness with only a majority up');
  });

  it('replays a seed exactly', () => {
    for (const seed of [7, 12]) {
      const first = runSimulation(defaultSimulationOptions(seed));
      const second = runSimulation(defaultSimulationOptions(seed));
      assert.deepEqual(second, first, `seed ${seed} diverged on replay`);
      assert.ok(first.committed > 50, `seed ${seed} committed only ${first.committed} entries`);
    }
  });

  it('different seeds explore different runs', () => {
    const hashes = new Set([21, 22, 23, 24].map((seed) => runSimulation(defaultSimulationOptions(seed)).traceHash));
    assert.equal(hashes.size, 4);
  });
});
