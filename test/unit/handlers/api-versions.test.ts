import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { apiVersionsRequest, apiVersionsResponse, decodeResponse, ErrorCode } from '../../../src/protocol/index.ts';
import { KafkaTestClient } from '../../helpers/kafka-client.ts';
import { startBroker, type BrokerFixture } from './fixture.ts';

/** Apache Kafka 4.1's broker ApiVersions ranges (PROTOCOL-FACTS §1.2), by key. */
const KAFKA_41_RANGES: ReadonlyMap<number, readonly [number, number]> = new Map([
  [0, [0, 13]], [1, [4, 18]], [2, [1, 10]], [3, [0, 13]], [8, [2, 9]], [9, [1, 9]], [10, [0, 6]],
  [11, [0, 9]], [12, [0, 4]], [13, [0, 5]], [14, [0, 5]], [15, [0, 6]], [16, [0, 5]], [17, [0, 1]],
  [18, [0, 4]], [19, [2, 7]], [20, [1, 6]], [21, [0, 2]], [22, [0, 5]], [23, [2, 4]], [24, [0, 5]],
  [25, [0, 4]], [26, [0, 5]], [27, [1, 1]], [28, [0, 5]], [29, [1, 3]], [30, [1, 3]], [31, [1, 3]],
  [32, [1, 4]], [33, [0, 2]], [34, [1, 2]], [35, [1, 4]], [36, [0, 2]], [37, [0, 3]], [42, [0, 2]],
  [43, [0, 2]], [44, [0, 1]], [45, [0, 1]], [46, [0, 0]], [47, [0, 0]], [48, [0, 1]], [49, [0, 1]],
  [50, [0, 0]], [51, [0, 0]], [55, [0, 2]], [57, [0, 2]], [60, [0, 2]], [61, [0, 0]], [65, [0, 0]],
  [66, [0, 2]], [68, [0, 1]], [69, [0, 1]], [71, [0, 0]], [72, [0, 0]], [74, [0, 1]], [75, [0, 0]],
]);

/**
 * Where fjord deliberately advertises less than Kafka 4.1, with the reason (docs/compatibility.md):
 * ConsumerGroupDescribe v1 is not declared by the protocol layer yet, so 69 stops at v0.
 */
const FJORD_CAPS: ReadonlyMap<number, readonly [number, number]> = new Map([[69, [0, 0]]]);

/** The APIs of issue 3 that must be advertised. */
const REQUIRED_KEYS = [0, 1, 2, 3, 18, 19, 20, 21, 22, 23, 32, 33, 37, 44, 60, 75];

describe('ApiVersions', () => {
  let fixture: BrokerFixture;
  before(async () => {
    fixture = await startBroker();
  });
  after(() => fixture?.stop());

  for (const version of [0, 1, 2, 3, 4]) {
    test(`v${version} lists the served APIs by key, each with Kafka 4.1's range`, async () => {
      const client = await fixture.connect();
      const reply = await client.send(apiVersionsRequest, version, { clientSoftwareName: 'fjord-test', clientSoftwareVersion: '1.0' });
      assert.equal(reply.errorCode, ErrorCode.NONE);
      const keys = reply.apiKeys.map((key) => key.apiKey);
      assert.deepEqual(keys, [...keys].sort((a, b) => a - b));
      for (const required of REQUIRED_KEYS) assert.ok(keys.includes(required), `API key ${required} is advertised`);
      for (const key of reply.apiKeys) {
        const expected = FJORD_CAPS.get(key.apiKey) ?? KAFKA_41_RANGES.get(key.apiKey);
        assert.deepEqual([key.minVersion, key.maxVersion], expected, `API key ${key.apiKey}`);
      }
    });
  }

  test('an unknown version gets a v0 reply with UNSUPPORTED_VERSION and the real range', async () => {
    const client = await fixture.connect();
    const frame = KafkaTestClient.rawFrame(18, 99, 7, 'future-client', Buffer.from([0, 0, 0]), 2);
    const reply = decodeResponse(apiVersionsResponse, 0, await client.sendFrame(frame));
    assert.equal(reply.correlationId, 7);
    assert.equal(reply.body.errorCode, ErrorCode.UNSUPPORTED_VERSION);
    assert.deepEqual(reply.body.apiKeys.find((key) => key.apiKey === 18), { apiKey: 18, minVersion: 0, maxVersion: 4 });
  });

  test('v3+ with an invalid client software name or version answers INVALID_REQUEST', async () => {
    const client = await fixture.connect();
    const badName = await client.send(apiVersionsRequest, 3, { clientSoftwareName: 'bad name!', clientSoftwareVersion: '1.0' });
    assert.equal(badName.errorCode, ErrorCode.INVALID_REQUEST);
    const badVersion = await client.send(apiVersionsRequest, 4, { clientSoftwareName: 'ok', clientSoftwareVersion: '-1.0' });
    assert.equal(badVersion.errorCode, ErrorCode.INVALID_REQUEST);
    const fine = await client.send(apiVersionsRequest, 3, { clientSoftwareName: 'apache-kafka-java', clientSoftwareVersion: '4.1.0' });
    assert.equal(fine.errorCode, ErrorCode.NONE);
  });

  test('a version outside the advertised range closes the connection (Fetch v3, CreateTopics v1)', async () => {
    for (const [apiKey, apiVersion] of [[1, 3], [19, 1]] as const) {
      const client = await fixture.connect();
      const frame = KafkaTestClient.rawFrame(apiKey, apiVersion, 1, 'old-client', Buffer.alloc(16), 1);
      await assert.rejects(client.sendFrame(frame), /closed/);
    }
  });

  test('an API key nobody serves closes the connection', async () => {
    const client = await fixture.connect();
    const frame = KafkaTestClient.rawFrame(1000, 0, 1, 'c', Buffer.from([0, 1, 0x61]), 1);
    await assert.rejects(client.sendFrame(frame), /closed/);
  });
});
