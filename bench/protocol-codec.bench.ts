// Micro-benchmark of the protocol codec: generated straight-line code (compiler.ts) against the
// schema interpreter (interpreter.ts); for encoding, a size pass + pre-sized Buffer against a fresh
// growable Buffer and against a reused scratch Buffer + exact copy (what codec.ts does).
// Run: node_modules/.bin/node bench/protocol-codec.bench.ts   (prints a table; ~15 s)

import { Bench } from 'tinybench';

import { codecFor, encodeMessage, encodeResponseParts } from '../src/protocol/codec.ts';
import type { SizeContext } from '../src/protocol/compiler.ts';
import { interpretMessage } from '../src/protocol/interpreter.ts';
import { Reader } from '../src/protocol/reader.ts';
import type { InputOf, MessageSchema } from '../src/protocol/schema.ts';
import { produceRequest } from '../src/protocol/schemas/00-produce.ts';
import { produceResponse } from '../src/protocol/schemas/00-produce.ts';
import { fetchResponse } from '../src/protocol/schemas/01-fetch.ts';
import { metadataResponse } from '../src/protocol/schemas/03-metadata.ts';
import { Writer, type RecordsRef } from '../src/protocol/writer.ts';

const timeMs = Number(process.env.BENCH_TIME_MS ?? 400);

function metadataBody(topicCount: number): InputOf<typeof metadataResponse> {
  return {
    throttleTimeMs: 0,
    brokers: [{ nodeId: 1, host: '127.0.0.1', port: 9092, rack: null }],
    clusterId: 'fjord-cluster-0000000000',
    controllerId: 1,
    topics: Array.from({ length: topicCount }, (_, topicIndex) => ({
      errorCode: 0,
      name: `topic-${topicIndex.toString().padStart(4, '0')}`,
      topicId: Buffer.alloc(16, topicIndex).toString('base64url'),
      isInternal: false,
      partitions: Array.from({ length: 3 }, (_, partitionIndex) => ({
        errorCode: 0,
        partitionIndex,
        leaderId: 1,
        leaderEpoch: 0,
        replicaNodes: [1],
        isrNodes: [1],
        offlineReplicas: [],
      })),
      topicAuthorizedOperations: -2147483648,
    })),
  };
}

function produceBody(): InputOf<typeof produceRequest> {
  return {
    transactionalId: null,
    acks: -1,
    timeoutMs: 30000,
    topicData: Array.from({ length: 4 }, (_, topicIndex) => ({
      name: `topic-${topicIndex}`,
      partitionData: Array.from({ length: 4 }, (_, index) => ({ index, records: Buffer.alloc(1024, index) })),
    })),
  };
}

const FULL: SizeContext = { partsMode: false, externalBytes: 0 };

function compiledPresized(schema: MessageSchema, version: number, value: unknown): Buffer {
  const codec = codecFor(schema, version);
  const writer = new Writer(codec.size(value, FULL));
  codec.write(writer, value);
  return writer.finish();
}

function compiledGrowable(schema: MessageSchema, version: number, value: unknown): Buffer {
  const writer = new Writer(256);
  codecFor(schema, version).write(writer, value);
  return writer.finish();
}

/** The codec's own path: a reused growable scratch writer, then one exact copy out. */
function compiledScratchCopy(schema: MessageSchema, version: number, value: unknown): Buffer {
  return encodeMessage(schema, version, value as never);
}

function interpretedPresized(schema: MessageSchema, version: number, value: unknown): Buffer {
  const codec = interpretMessage(schema, version);
  const writer = new Writer(codec.size(value as Record<string, unknown>, FULL));
  codec.write(writer, value as Record<string, unknown>);
  return writer.finish();
}

const bench = new Bench({ time: timeMs, warmupTime: 100 });
let sink = 0;

for (const version of [6, 12]) {
  const label = `Metadata response v${version}, 100 topics x 3 partitions`;
  const value = metadataBody(100);
  const bytes = compiledPresized(metadataResponse, version, value);
  const interpreted = interpretMessage(metadataResponse, version);
  bench
    .add(`${label}: encode, compiled, pre-sized`, () => {
      sink += compiledPresized(metadataResponse, version, value).length;
    })
    .add(`${label}: encode, compiled, growable`, () => {
      sink += compiledGrowable(metadataResponse, version, value).length;
    })
    .add(`${label}: encode, compiled, reused scratch + copy`, () => {
      sink += compiledScratchCopy(metadataResponse, version, value).length;
    })
    .add(`${label}: encode, interpreter, pre-sized`, () => {
      sink += interpretedPresized(metadataResponse, version, value).length;
    })
    .add(`${label}: decode, compiled`, () => {
      sink += (codecFor(metadataResponse, version).decode(new Reader(bytes)) as { topics: unknown[] }).topics.length;
    })
    .add(`${label}: decode, interpreter`, () => {
      sink += (interpreted.decode(new Reader(bytes)).topics as unknown[]).length;
    });
}

for (const version of [7, 9]) {
  const label = `Produce request v${version}, 4 topics x 4 partitions x 1 KiB`;
  const bytes = compiledPresized(produceRequest, version, produceBody());
  const interpreted = interpretMessage(produceRequest, version);
  bench
    .add(`${label}: decode, compiled`, () => {
      sink += (codecFor(produceRequest, version).decode(new Reader(bytes)) as { acks: number }).acks;
    })
    .add(`${label}: decode, interpreter`, () => {
      sink += interpreted.decode(new Reader(bytes)).acks as number;
    });
}

{
  const label = 'Produce response v9, 1 topic x 1 partition';
  const value = {
    responses: [{ name: 'topic', partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 12345n, logAppendTimeMs: -1n, logStartOffset: 0n }] }],
    throttleTimeMs: 0,
  };
  bench
    .add(`${label}: encode, compiled, pre-sized`, () => {
      sink += compiledPresized(produceResponse, 9, value).length;
    })
    .add(`${label}: encode, compiled, growable`, () => {
      sink += compiledGrowable(produceResponse, 9, value).length;
    })
    .add(`${label}: encode, compiled, reused scratch + copy`, () => {
      sink += compiledScratchCopy(produceResponse, 9, value).length;
    })
    .add(`${label}: encode, interpreter, pre-sized`, () => {
      sink += interpretedPresized(produceResponse, 9, value).length;
    });
}

{
  const region: RecordsRef = { kind: 'records-ref', byteLength: 1 << 20 };
  const value = {
    responses: [
      {
        topic: 'topic',
        partitions: Array.from({ length: 16 }, (_, partitionIndex) => ({
          partitionIndex,
          highWatermark: 1000000n,
          lastStableOffset: 1000000n,
          logStartOffset: 0n,
          records: region,
        })),
      },
    ],
  };
  bench.add('Fetch response v12, 16 partitions: encode as parts (file regions)', () => {
    sink += encodeResponseParts(fetchResponse, 12, 1, value).length;
  });
}

{
  // The int64 policy: bigint decode against assembling a number from two int32 reads.
  const bytes = Buffer.alloc(8 * 64);
  for (let index = 0; index < 64; index++) bytes.writeBigInt64BE(BigInt(index) * 1000003n, index * 8);
  bench
    .add('int64 x 64: decode as bigint', () => {
      const reader = new Reader(bytes);
      for (let index = 0; index < 64; index++) sink += Number(reader.int64() & 1n);
    })
    .add('int64 x 64: decode as number (hi * 2^32 + lo)', () => {
      const reader = new Reader(bytes);
      for (let index = 0; index < 64; index++) sink += (reader.int32() * 4294967296 + reader.uint32()) & 1;
    });
}

await bench.run();
console.table(
  bench.tasks.map((task) => {
    const result = task.result as { state?: string; throughput?: { mean: number }; latency?: { mean: number } } | undefined;
    return {
      task: task.name,
      'ops/s': result?.throughput !== undefined ? Math.round(result.throughput.mean).toLocaleString('en-US') : 'n/a',
      'mean µs': result?.latency !== undefined ? (result.latency.mean * 1000).toFixed(2) : 'n/a',
    };
  }),
);
if (sink === -1) console.log(sink);
