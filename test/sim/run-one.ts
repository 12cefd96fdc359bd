// Replays one simulation seed exactly: node test/sim/run-one.ts <seed> [--trace]
import { defaultSimulationOptions, runSimulation } from './simulation.ts';

const seed = Number(process.argv[2] ?? '1');
const trace = process.argv.includes('--trace') ? (line: string) => console.log(line) : undefined;
const started = performance.now();
const result = runSimulation({ ...defaultSimulationOptions(seed), ...(trace === undefined ? {} : { trace }) });
console.log(JSON.stringify({ ...result, ms: Math.round(performance.now() - started) }));
