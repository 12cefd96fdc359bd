// Golden bytes for the transaction administration APIs (WriteTxnMarkers, DescribeProducers,
// DescribeTransactions, ListTransactions), built by hand from Kafka's message definitions: all
// four are flexible at every version fjord declares, so arrays and strings are compact (length + 1
// as an unsigned varint) and every struct ends with an empty tag section (00). Round trips at every
// version and the field-by-field comparison with Kafka's JSON are in codec.test.ts and
// conformance.test.ts, which pick these schemas up from API_DEFINITIONS.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  decodeMessage,
  describeProducersResponse,
  describeTransactionsRequest,
  describeTransactionsResponse,
  encodeMessage,
  listTransactionsRequest,
  listTransactionsResponse,
  writeTxnMarkersRequest,
  writeTxnMarkersResponse,
} from '../../../src/protocol/index.ts';

function hex(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex');
}

describe('WriteTxnMarkers', () => {
  const marker = {
    producerId: 7n,
    producerEpoch: 3,
    transactionResult: true,
    topics: [{ name: 'tp', partitionIndexes: [0, 2] }],
    coordinatorEpoch: 5,
    transactionVersion: 2,
  };
  const v1Marker =
    '0000000000000007 0003 01' + // producerId, producerEpoch, transactionResult (true = COMMIT)
    '02 03 7470 03 00000000 00000002 00' + // topics: one, name "tp", partitionIndexes [0, 2], tags
    '00000005'; // coordinatorEpoch

  test('v1 request: the marker without its transaction version (ignorable, from v2)', () => {
    const bytes = encodeMessage(writeTxnMarkersRequest, 1, { markers: [marker] });
    assert.equal(bytes.toString('hex'), hex('02' + v1Marker + '00' + '00').toString('hex'));
    const decoded = decodeMessage(writeTxnMarkersRequest, 1, bytes);
    assert.equal(decoded.markers[0]?.transactionVersion, 0, 'absent in v1, decodes to its default 0');
  });

  test('v2 request: the transaction version is an int8 after the coordinator epoch', () => {
    const bytes = encodeMessage(writeTxnMarkersRequest, 2, { markers: [marker] });
    assert.equal(bytes.toString('hex'), hex('02' + v1Marker + '02' + '00' + '00').toString('hex'));
    assert.deepEqual(decodeMessage(writeTxnMarkersRequest, 2, bytes).markers, [marker]);
  });

  test('v1 response: an error code per partition under the producer id', () => {
    const bytes = encodeMessage(writeTxnMarkersResponse, 1, {
      markers: [{ producerId: 7n, topics: [{ name: 'tp', partitions: [{ partitionIndex: 2, errorCode: 3 }] }] }],
    });
    assert.equal(bytes.toString('hex'), hex('02 0000000000000007 02 03 7470 02 00000002 0003 00 00 00 00').toString('hex'));
  });
});

describe('DescribeProducers', () => {
  test('v0 response: a null error message and the producer epoch as an int32', () => {
    const value = {
      throttleTimeMs: 0,
      topics: [
        {
          name: 't',
          partitions: [
            {
              partitionIndex: 0,
              errorCode: 0,
              errorMessage: null,
              activeProducers: [
                { producerId: 9n, producerEpoch: 1, lastSequence: 4, lastTimestamp: 100n, coordinatorEpoch: 0, currentTxnStartOffset: -1n },
              ],
            },
          ],
        },
      ],
    };
    const bytes = encodeMessage(describeProducersResponse, 0, value);
    const expected =
      '00000000 02 02 74 02' + // throttleTimeMs, topics: one, name "t", partitions: one
      '00000000 0000 00 02' + // partitionIndex, errorCode, errorMessage null, activeProducers: one
      '0000000000000009 00000001 00000004 0000000000000064 00000000 ffffffffffffffff 00' +
      '00 00 00'; // partition, topic and message tags
    assert.equal(bytes.toString('hex'), hex(expected).toString('hex'));
    assert.deepEqual(decodeMessage(describeProducersResponse, 0, bytes), value);
  });
});

describe('DescribeTransactions', () => {
  test('v0 request: a compact array of compact strings', () => {
    assert.equal(encodeMessage(describeTransactionsRequest, 0, { transactionalIds: ['tx'] }).toString('hex'), '0203747800');
  });

  test('v0 response: a state with its topics and partitions', () => {
    const state = {
      errorCode: 0,
      transactionalId: 'tx',
      transactionState: 'Ongoing',
      transactionTimeoutMs: 60000,
      transactionStartTimeMs: 1n,
      producerId: 9n,
      producerEpoch: 2,
      topics: [{ topic: 't', partitions: [1] }],
    };
    const bytes = encodeMessage(describeTransactionsResponse, 0, { throttleTimeMs: 0, transactionStates: [state] });
    const expected =
      '00000000 02 0000 03 7478 08 4f6e676f696e67' + // throttle, states: one, errorCode, "tx", "Ongoing"
      '0000ea60 0000000000000001 0000000000000009 0002' + // timeout 60000, start time, producer id, epoch
      '02 02 74 02 00000001 00' + // topics: one, "t", partitions [1], tags
      '00 00'; // state and message tags
    assert.equal(bytes.toString('hex'), hex(expected).toString('hex'));
  });
});

describe('ListTransactions', () => {
  const filters = '02 08 4f6e676f696e67 02 000000000000002a'; // stateFilters ["Ongoing"], producerIdFilters [42]

  test('v0 request: state and producer id filters only; the later filters decode to their defaults', () => {
    const bytes = encodeMessage(listTransactionsRequest, 0, { stateFilters: ['Ongoing'], producerIdFilters: [42n], durationFilter: 5n, transactionalIdPattern: 'x' });
    assert.equal(bytes.toString('hex'), hex(filters + '00').toString('hex'));
    const decoded = decodeMessage(listTransactionsRequest, 0, bytes);
    assert.equal(decoded.durationFilter, -1n);
    assert.equal(decoded.transactionalIdPattern, null);
  });

  test('v1 request adds the duration filter (int64)', () => {
    const bytes = encodeMessage(listTransactionsRequest, 1, { stateFilters: ['Ongoing'], producerIdFilters: [42n], durationFilter: 5n });
    assert.equal(bytes.toString('hex'), hex(filters + '0000000000000005 00').toString('hex'));
  });

  test('v2 request adds the transactional id pattern, a nullable compact string', () => {
    const withPattern = encodeMessage(listTransactionsRequest, 2, { stateFilters: ['Ongoing'], producerIdFilters: [42n], durationFilter: -1n, transactionalIdPattern: 'a.*' });
    assert.equal(withPattern.toString('hex'), hex(filters + 'ffffffffffffffff 04 612e2a 00').toString('hex'));
    const withNull = encodeMessage(listTransactionsRequest, 2, {});
    assert.equal(withNull.toString('hex'), hex('01 01 ffffffffffffffff 00 00').toString('hex'));
    assert.equal(decodeMessage(listTransactionsRequest, 2, withNull).transactionalIdPattern, null);
  });

  test('v0 response: unknown state filters and the listed states', () => {
    const bytes = encodeMessage(listTransactionsResponse, 0, {
      throttleTimeMs: 0,
      errorCode: 0,
      unknownStateFilters: ['Foo'],
      transactionStates: [{ transactionalId: 'tx', producerId: 9n, transactionState: 'Ongoing' }],
    });
    const expected = '00000000 0000 02 04 466f6f 02 03 7478 0000000000000009 08 4f6e676f696e67 00 00';
    assert.equal(bytes.toString('hex'), hex(expected).toString('hex'));
  });
});
