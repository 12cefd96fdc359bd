import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { apiVersionsRequest, apiVersionsResponse, decodeResponse, ErrorCode } from '../../../src/protocol/index.ts';
import { KafkaTestClient } from '../../helpers/kafka-client.ts';
import { startBroker, type BrokerFixture } from './fixture.ts';

/** Apache Kafka 4.1's advertised ranges for the APIs fjord serves (PROTOCOL-FACTS §1.2). */
const KAFKA_41_RANGES: ReadonlyArray<[number, number, number]> = [
  [0, 0, 13],
  [1, 4, 18],
  [2, 1, 10],
  [3, 0, 13],
  [18, 0, 4],
  [19, 2, 7],
  [20, 1, 6],
  [21, 0, 2],
  [22, 0, 5],
  [23, 2, 4],
  [32, 1, 4],
  [33, 0, 2],
  [37, 0, 3],
  [44, 0, 1],
  [60, 0, 2],
  [75, 0, 0],
];

describe('ApiVersions', () => {
  let fixture: BrokerFixture;
  before(async () => {
    fixture = await startBroker();
  });
  after(() => fixture?.stop());

  for (const version of [0, 1, 2, 3, 4]) {
    test(`v${version} lists every served API with Kafka 4.1's range`, async () => {
      const client = await fixture.connect();
      const reply = await client.send(apiVersionsRequest, version, { clientSoftwareName: 'fjord-test', clientSoftwareVersion: '1.0' });
      assert.equal(reply.errorCode, ErrorCode.NONE);
      const ranges = reply.apiKeys.map((key) => [key.apiKey, key.minVersion, key.maxVersion]);
      assert.deepEqual(ranges, KAFKA_41_RANGES);
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
    const frame = KafkaTestClient.rawFrame(10, 0, 1, 'c', Buffer.from([0, 1, 0x61]), 1);
    await assert.rejects(client.sendFrame(frame), /closed/);
  });
});
