import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { API_DEFINITIONS, ApiKey } from '../../../src/protocol/apis.ts';
import {
  decodeMessage,
  decodeRequest,
  decodeResponse,
  encodeMessage,
  encodeRequest,
  encodeResponse,
  encodeResponseParts,
  readRequestHeader,
  requestHeaderVersion,
  responseHeaderVersion,
  versionRangeOf,
} from '../../../src/protocol/codec.ts';
import { isFlexible } from '../../../src/protocol/compiler.ts';
import { ProtocolDecodeError, ProtocolEncodeError } from '../../../src/protocol/errors.ts';
import { interpretMessage } from '../../../src/protocol/interpreter.ts';
import { Reader } from '../../../src/protocol/reader.ts';
import type { MessageSchema, ValueOf } from '../../../src/protocol/schema.ts';
import { apiVersionsRequest, apiVersionsResponse } from '../../../src/protocol/schemas/18-api-versions.ts';
import { fetchResponse } from '../../../src/protocol/schemas/01-fetch.ts';
import { metadataRequest, metadataResponse } from '../../../src/protocol/schemas/03-metadata.ts';
import { produceRequest } from '../../../src/protocol/schemas/00-produce.ts';
import { Writer, type RecordsRef } from '../../../src/protocol/writer.ts';
import { sampleStruct } from './sample-values.ts';

function hex(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex');
}

function decodeError(read: () => unknown, reason: string): void {
  assert.throws(read, (error: unknown) => {
    assert.ok(error instanceof ProtocolDecodeError, `expected ProtocolDecodeError, got ${String(error)}`);
    assert.equal(error.reason, reason, error.message);
    return true;
  });
}

describe('round trips of every API at every version', () => {
  for (const api of API_DEFINITIONS) {
    for (const schema of [api.request, api.response]) {
      test(`${schema.name} ${schema.validVersions}`, () => {
        const { min, max } = versionRangeOf(schema);
        for (let version = min; version <= max; version++) {
          const flexible = isFlexible(schema, version);
          for (const seed of [0, 1]) {
            const value = sampleStruct(schema, version, flexible, seed);
            const bytes = encodeMessage(schema as MessageSchema, version, value as never);
            const decoded = decodeMessage(schema, version, bytes);
            assert.deepEqual(decoded, value, `${schema.name} v${version} seed ${seed}`);

            // The interpreter is an independent implementation of the same rules.
            const interpreted = interpretMessage(schema, version);
            const context = { partsMode: false, externalBytes: 0 };
            const writer = new Writer(interpreted.size(value, context));
            interpreted.write(writer, value);
            assert.deepEqual(writer.finish(), bytes, `${schema.name} v${version}: interpreter bytes differ`);
            assert.deepEqual(interpreted.decode(new Reader(bytes)), value);
          }
        }
      });
    }
  }
});

describe('golden bytes built by hand from the spec', () => {
  test('ApiVersions v0 request frame: header v1, empty body', () => {
    const frame = encodeRequest(apiVersionsRequest, 0, 1, 'a', {});
    assert.equal(frame.toString('hex'), '0000000b' + '0012' + '0000' + '00000001' + '000161');
  });

  test('ApiVersions v3 request frame: header v2 keeps a non-compact client_id', () => {
    const frame = encodeRequest(apiVersionsRequest, 3, 7, 'kca', {
      clientSoftwareName: 'fj',
      clientSoftwareVersion: '1.0',
    });
    const expected =
      '0012 0003 00000007 0003 6b6361 00' + // header v2: key, version, correlation, int16 client_id, tags
      '03 666a 04 312e30 00'; // compact strings and the body's tag section
    const body = hex(expected);
    assert.equal(frame.toString('hex'), body.length.toString(16).padStart(8, '0') + body.toString('hex'));
    const decoded = decodeRequest(frame.subarray(4));
    assert.deepEqual(decoded.header, { apiKey: 18, apiVersion: 3, correlationId: 7, clientId: 'kca', headerVersion: 2 });
    assert.deepEqual(decoded.body, { clientSoftwareName: 'fj', clientSoftwareVersion: '1.0' });
  });

  test('ApiVersions v0 response: header v0, int32 array', () => {
    const frame = encodeResponse(apiVersionsResponse, 0, 5, {
      errorCode: 0,
      apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 4 }],
    });
    assert.equal(frame.toString('hex'), '00000010' + '00000005' + '0000' + '00000001' + '001200000004');
  });

  test('ApiVersions v3 response: header v0 although the body is flexible', () => {
    const frame = encodeResponse(apiVersionsResponse, 3, 5, {
      errorCode: 0,
      apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 4 }],
      throttleTimeMs: 0,
      finalizedFeaturesEpoch: 3n,
    });
    const body = '0000' + '02' + '001200000004' + '00' + '00000000' + '01' + '01' + '08' + '0000000000000003';
    const expected = '00000005' + body; // no tag byte after the correlation id
    assert.equal(frame.toString('hex'), (expected.length / 2).toString(16).padStart(8, '0') + expected);
    const decoded = decodeResponse(apiVersionsResponse, 3, frame.subarray(4));
    assert.equal(decoded.body.finalizedFeaturesEpoch, 3n);
    assert.deepEqual(decoded.body.supportedFeatures, []);
  });

  test('Metadata v1 request: one topic, and null for all topics', () => {
    assert.equal(encodeMessage(metadataRequest, 1, { topics: [{ name: 'foo' }] }).toString('hex'), '00000001' + '0003666f6f');
    assert.equal(encodeMessage(metadataRequest, 1, { topics: null }).toString('hex'), 'ffffffff');
    const decoded = decodeMessage(metadataRequest, 1, hex('00000001 0003666f6f'));
    assert.deepEqual(decoded.topics, [{ name: 'foo', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }]);
    assert.equal(decoded.allowAutoTopicCreation, true, 'absent fields decode to their default');
  });

  test('Metadata v0 rejects a null topic list (nullable from v1)', () => {
    assert.throws(() => encodeMessage(metadataRequest, 0, { topics: null }), ProtocolEncodeError);
    decodeError(() => decodeMessage(metadataRequest, 0, hex('ffffffff')), 'unexpected-null');
  });
});

describe('headers', () => {
  test('request header version follows the flexible versions of the request', () => {
    assert.equal(requestHeaderVersion(ApiKey.ApiVersions, 2), 1);
    assert.equal(requestHeaderVersion(ApiKey.ApiVersions, 3), 2);
    assert.equal(requestHeaderVersion(ApiKey.Metadata, 8), 1);
    assert.equal(requestHeaderVersion(ApiKey.Metadata, 9), 2);
    assert.equal(requestHeaderVersion(ApiKey.Produce, 9), 2);
    assert.equal(requestHeaderVersion(ApiKey.OffsetDelete, 0), 1, 'OffsetDelete is never flexible');
  });

  test('response header is v1 for flexible bodies except ApiVersions', () => {
    assert.equal(responseHeaderVersion(ApiKey.ApiVersions, 4), 0);
    assert.equal(responseHeaderVersion(ApiKey.Fetch, 11), 0);
    assert.equal(responseHeaderVersion(ApiKey.Fetch, 12), 1);
  });

  test('a flexible response carries a tag byte after the correlation id', () => {
    const frame = encodeResponse(metadataResponse, 9, 0x01020304, {});
    assert.equal(frame.subarray(4, 9).toString('hex'), '0102030400');
    assert.equal(frame.readInt32BE(0), frame.length - 4);
  });

  test('an unknown ApiVersions version still yields the header, for the v0-format reply', () => {
    const frame = hex('0012 0063 0000002a 0001 61 00 0000');
    const reader = new Reader(frame);
    const header = readRequestHeader(reader);
    assert.deepEqual(header, { apiKey: 18, apiVersion: 99, correlationId: 42, clientId: 'a', headerVersion: null });
    decodeError(() => decodeRequest(frame), 'unsupported-version');
    decodeError(() => decodeRequest(hex('7fff 0000 00000001 ffff')), 'unknown-api');
  });

  test('the request header tagged section is skipped, unknown tags included', () => {
    const frame = hex('0012 0003 00000001 ffff 01 05 02 aabb' + '03 666a 02 31 00');
    const decoded = decodeRequest(frame);
    assert.equal(decoded.header.clientId, null);
    assert.deepEqual(decoded.body, { clientSoftwareName: 'fj', clientSoftwareVersion: '1' });
  });
});

describe('tagged fields', () => {
  test('an unknown tag in a body is skipped and a known one is read', () => {
    // ApiVersions v3 response body: error, 0 keys, throttle, tags {7: 3 bytes, 1: int64}.
    const body = hex('0000 01 00000000 02 07 03 78797a 01 08 000000000000002a');
    const decoded = decodeMessage(apiVersionsResponse, 3, body);
    assert.equal(decoded.finalizedFeaturesEpoch, 42n);
  });

  test('a known tagged field whose size lies is rejected', () => {
    const body = hex('0000 01 00000000 01 01 04 000000000000002a');
    decodeError(() => decodeMessage(apiVersionsResponse, 3, body), 'invalid-tagged-field');
  });

  test('tagged fields with default values are not written', () => {
    const bytes = encodeMessage(apiVersionsResponse, 3, { finalizedFeaturesEpoch: -1n, zkMigrationReady: false });
    assert.equal(bytes.toString('hex'), '0000' + '01' + '00000000' + '00');
  });
});

describe('bounds: lying lengths fail fast with a typed error', () => {
  test('a 2-billion-element array in a 20-byte frame', () => {
    const frame = hex('0003 0001 00000001 ffff 7fffffff 0000000000000000');
    const started = performance.now();
    decodeError(() => decodeRequest(frame), 'invalid-length');
    assert.ok(performance.now() - started < 50);
  });

  test('a compact array, a string and a records field longer than the frame', () => {
    decodeError(() => decodeMessage(metadataRequest, 9, hex('ffffffff07 00')), 'invalid-length');
    decodeError(() => decodeMessage(metadataRequest, 1, hex('00000001 7fff 6161')), 'truncated');
    const produce = hex('ffff 0001 00001388 00000001 0001 61 00000001 00000000 7ffffff0 00');
    decodeError(() => decodeMessage(produceRequest, 3, produce), 'truncated');
  });

  test('a truncated body of every API at every version throws only typed errors', () => {
    for (const api of API_DEFINITIONS) {
      for (const schema of [api.request, api.response]) {
        const { min, max } = versionRangeOf(schema);
        for (let version = min; version <= max; version++) {
          const value = sampleStruct(schema, version, isFlexible(schema, version), 0);
          const bytes = encodeMessage(schema as MessageSchema, version, value as never);
          for (const cut of [1, Math.floor(bytes.length / 2), bytes.length - 1]) {
            if (cut < 1 || cut >= bytes.length) continue;
            assert.throws(
              () => decodeMessage(schema, version, bytes.subarray(0, cut)),
              ProtocolDecodeError,
              `${schema.name} v${version} cut at ${cut}`,
            );
          }
        }
      }
    }
  });
});

describe('records stay opaque', () => {
  test('a Produce request decodes records to a view of the frame, not a copy', () => {
    const batch = Buffer.from('opaque batch bytes');
    const frame = encodeRequest(produceRequest, 9, 1, 'c', {
      transactionalId: null,
      acks: -1,
      timeoutMs: 1000,
      topicData: [{ name: 't', partitionData: [{ index: 0, records: batch }] }],
    });
    const decoded = decodeRequest(frame.subarray(4));
    const body = decoded.body as ValueOf<typeof produceRequest>;
    const records = body.topicData[0]!.partitionData[0]!.records;
    assert.ok(Buffer.isBuffer(records));
    assert.deepEqual(records, batch);
    assert.equal(records.buffer, frame.buffer, 'records must share the frame memory');
  });

  test('a Fetch response in parts mode emits records as their own parts, uncopied', () => {
    const fileRegion: RecordsRef & { position: number } = { kind: 'records-ref', byteLength: 1000, position: 4096 };
    const inMemory = Buffer.from('in-memory batch');
    const body = {
      responses: [
        {
          topic: 't',
          topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
          partitions: [
            { partitionIndex: 0, highWatermark: 10n, records: fileRegion },
            { partitionIndex: 1, highWatermark: 20n, records: inMemory },
            { partitionIndex: 2, highWatermark: 0n, records: null },
          ],
        },
      ],
    };
    for (const version of [4, 11, 12, 16]) {
      const parts = encodeResponseParts(fetchResponse, version, 9, body);
      assert.equal(parts.length, 5, `v${version}: header, region, middle, buffer, tail`);
      assert.equal(parts[1], fileRegion);
      assert.equal(parts[3], inMemory);
      const total = parts.reduce((sum, part) => sum + part.byteLength, 0);
      const first = parts[0] as Buffer;
      assert.equal(first.readInt32BE(0), total - 4, 'the size prefix counts every part');

      // Replacing the region by real bytes gives exactly the single-buffer encoding.
      const regionBytes = Buffer.alloc(1000, 7);
      const joined = Buffer.concat(parts.map((part) => (Buffer.isBuffer(part) ? part : regionBytes)));
      const single = encodeResponse(fetchResponse, version, 9, {
        ...body,
        responses: [{ ...body.responses[0]!, partitions: body.responses[0]!.partitions.map((partition, index) => (index === 0 ? { ...partition, records: regionBytes } : partition)) }],
      });
      assert.deepEqual(joined, single);
    }
  });

  test('a RecordsRef outside parts mode is a programmer error', () => {
    const fileRegion: RecordsRef = { kind: 'records-ref', byteLength: 10 };
    assert.throws(
      () => encodeResponse(fetchResponse, 12, 1, { responses: [{ topic: 't', partitions: [{ records: fileRegion }] }] }),
      ProtocolEncodeError,
    );
  });
});

describe('tagged structs', () => {
  test('a tagged struct equal to its default is not written, one that differs is', () => {
    const partition = { partitionIndex: 0, highWatermark: 5n, records: null };
    const plain = encodeMessage(fetchResponse, 12, { responses: [{ topic: 't', partitions: [partition] }] });
    const withDefaultLeader = encodeMessage(fetchResponse, 12, {
      responses: [{ topic: 't', partitions: [{ ...partition, currentLeader: { leaderId: -1, leaderEpoch: -1 } }] }],
    });
    assert.deepEqual(withDefaultLeader, plain);
    const withLeader = encodeMessage(fetchResponse, 12, {
      responses: [{ topic: 't', partitions: [{ ...partition, currentLeader: { leaderId: 1, leaderEpoch: 3 } }] }],
    });
    assert.equal(withLeader.length, plain.length + 1 + 1 + 9, 'tag, size, two int32 and the struct tag section');
    const decoded = decodeMessage(fetchResponse, 12, withLeader);
    assert.deepEqual(decoded.responses[0]!.partitions[0]!.currentLeader, { leaderId: 1, leaderEpoch: 3 });
    const decodedPlain = decodeMessage(fetchResponse, 12, plain);
    assert.deepEqual(decodedPlain.responses[0]!.partitions[0]!.currentLeader, { leaderId: -1, leaderEpoch: -1 });
    assert.deepEqual(encodeMessage(fetchResponse, 12, decodedPlain), plain, 're-encoding a decoded default adds nothing');
  });
});

describe('mutated input', () => {
  test('random byte flips in request bodies decode or throw ProtocolDecodeError, nothing else', () => {
    let state = 0x2545f491;
    const random = (): number => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) / 4294967296;
    };
    for (const api of API_DEFINITIONS) {
      const schema = api.request;
      const { min, max } = versionRangeOf(schema);
      for (const version of new Set([min, max])) {
        const value = sampleStruct(schema, version, isFlexible(schema, version), 0);
        const bytes = encodeMessage(schema as MessageSchema, version, value as never);
        if (bytes.length === 0) continue;
        for (let round = 0; round < 40; round++) {
          const mutated = Buffer.from(bytes);
          for (let flip = 0; flip < 3; flip++) mutated[Math.floor(random() * mutated.length)] = Math.floor(random() * 256);
          try {
            decodeMessage(schema, version, mutated);
          } catch (error) {
            assert.ok(error instanceof ProtocolDecodeError, `${schema.name} v${version}: ${String(error)}`);
          }
        }
      }
    }
  });
});

describe('encoding through the reused scratch buffer', () => {
  test('each result is an independent, exactly-sized copy', () => {
    const first = encodeMessage(metadataRequest, 1, { topics: [{ name: 'first' }] });
    const firstHex = first.toString('hex');
    const second = encodeMessage(metadataRequest, 1, { topics: [{ name: 'second-topic' }] });
    assert.equal(first.toString('hex'), firstHex, 'a later encode must not overwrite an earlier result');
    assert.equal(second.length, 4 + 2 + 'second-topic'.length);
    assert.equal(first.buffer === second.buffer && first.byteOffset === second.byteOffset, false);
  });

  test('a failed encode leaves the next encode correct, and large responses still encode', () => {
    assert.throws(() => encodeMessage(metadataRequest, 1, { topics: [{ name: 'x'.repeat(40000) }] }), ProtocolEncodeError);
    const topics = Array.from({ length: 5000 }, (_, index) => ({ name: `topic-${index}-${'y'.repeat(300)}` }));
    const large = encodeMessage(metadataRequest, 1, { topics });
    assert.ok(large.length > 1024 * 1024);
    assert.equal(decodeMessage(metadataRequest, 1, large).topics!.length, 5000);
    assert.equal(encodeMessage(metadataRequest, 1, { topics: [] }).toString('hex'), '00000000');
  });
});
