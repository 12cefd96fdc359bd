import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ErrorCode, errorName, isRetriable } from '../../../src/protocol/error-codes.ts';

test('error codes carry Kafka numbers and names', () => {
  assert.equal(ErrorCode.NONE, 0);
  assert.equal(ErrorCode.UNKNOWN_SERVER_ERROR, -1);
  assert.equal(ErrorCode.UNSUPPORTED_VERSION, 35);
  assert.equal(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, 45);
  assert.equal(ErrorCode.UNKNOWN_TOPIC_ID, 100);
  assert.equal(ErrorCode.TRANSACTION_ABORTABLE, 120);
  assert.equal(errorName(36), 'TOPIC_ALREADY_EXISTS');
  assert.equal(errorName(9999), undefined);
});

test('the list is complete from -1 to 133 with no duplicate code', () => {
  const codes = Object.values(ErrorCode).sort((left, right) => left - right);
  assert.equal(new Set(codes).size, codes.length);
  assert.deepEqual(codes, Array.from({ length: 135 }, (_, index) => index - 1));
});

test('retriable flags follow Kafka', () => {
  for (const code of [ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.REQUEST_TIMED_OUT, ErrorCode.NOT_ENOUGH_REPLICAS, ErrorCode.KAFKA_STORAGE_ERROR, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS]) {
    assert.equal(isRetriable(code), true, `${errorName(code)} should be retriable`);
  }
  for (const code of [ErrorCode.NONE, ErrorCode.UNSUPPORTED_VERSION, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, ErrorCode.INVALID_PRODUCER_EPOCH, ErrorCode.TOPIC_ALREADY_EXISTS, ErrorCode.MESSAGE_TOO_LARGE]) {
    assert.equal(isRetriable(code), false, `${errorName(code)} should not be retriable`);
  }
});
