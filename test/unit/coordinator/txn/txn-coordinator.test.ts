// The transaction coordinator's state machine, driven through its public operations with a manual
// clock (ManualTimers) and in-memory implementations of its ports: a counting producer id
// allocator, a persistence that keeps every record, and a marker writer the test can hold open.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { fencedErrorCode, TxnCoordinator, type MarkerRequest, type TxnCoordinatorConfig } from '../../../../src/coordinator/txn/txn-coordinator.ts';
import { canTransition, TXN_STATES, type TxnStateRecord } from '../../../../src/coordinator/txn/txn-state.ts';
import { ManualTimers } from '../../../../src/coordinator/group/timers.ts';
import { ErrorCode } from '../../../../src/protocol/error-codes.ts';

class Ports {
  readonly timers = new ManualTimers();
  readonly records: TxnStateRecord[] = [];
  readonly markers: MarkerRequest[] = [];
  nextProducerId = 1000n;
  persistFails = false;
  markerFailures = 0;
  /** While set, marker writes wait for `releaseMarkers()`. */
  holdMarkers = false;
  #held: Array<() => void> = [];

  allocateProducerId = (): Promise<bigint> => Promise.resolve(this.nextProducerId++);
  persist = (record: TxnStateRecord): Promise<void> => {
    if (this.persistFails) return Promise.reject(new Error('not durable'));
    this.records.push(record);
    return Promise.resolve();
  };
  writeMarkers = (request: MarkerRequest): Promise<void> => {
    if (this.markerFailures > 0) {
      this.markerFailures--;
      return Promise.reject(new Error('partition unavailable'));
    }
    this.markers.push(request);
    if (!this.holdMarkers) return Promise.resolve();
    return new Promise<void>((resolve) => this.#held.push(resolve));
  };
  partitionFor = (groupId: string): number => groupId.length % 50;

  releaseMarkers(): void {
    for (const resolve of this.#held.splice(0)) resolve();
  }
}

function setup(config: Partial<TxnCoordinatorConfig> = {}, ports = new Ports()) {
  const coordinator = new TxnCoordinator(ports, config);
  return { ports, coordinator };
}

function started(config: Partial<TxnCoordinatorConfig> = {}) {
  const fixture = setup(config);
  fixture.coordinator.start();
  return fixture;
}

/** A coordinator that loaded 'tx' at producer id 7 with its last usable epoch (32766), then started. */
function startedWithExhaustedEpoch(): TxnCoordinator {
  const ports = new Ports();
  const { coordinator } = setup({}, ports);
  coordinator.replay({
    transactionalId: 'tx',
    producerId: 7n,
    previousProducerId: -1n,
    producerEpoch: 32_766,
    lastProducerEpoch: 32_765,
    transactionTimeoutMs: 60_000,
    state: 'CompleteCommit',
    partitions: [],
    transactionStartTimeMs: -1,
    lastUpdateTimeMs: ports.timers.now(),
  });
  coordinator.start();
  return coordinator;
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
const T1 = { topic: 't', partition: 0 };
const T2 = { topic: 't', partition: 1 };
const U0 = { topic: 'u', partition: 0 };

async function begin(coordinator: TxnCoordinator, transactionalId = 'tx', timeoutMs = 60_000) {
  const init = await coordinator.initProducerId({ transactionalId, transactionTimeoutMs: timeoutMs });
  assert.equal(init.errorCode, ErrorCode.NONE);
  return { transactionalId, producerId: init.producerId, producerEpoch: init.producerEpoch };
}

describe('transaction states', () => {
  test('follow Kafka legal transitions', () => {
    assert.equal(TXN_STATES.length, 8);
    assert.ok(canTransition('Ongoing', 'PrepareCommit'));
    assert.ok(canTransition('PrepareEpochFence', 'PrepareAbort'));
    assert.ok(canTransition('CompleteAbort', 'Dead'));
    assert.ok(!canTransition('Empty', 'PrepareCommit'));
    assert.ok(!canTransition('PrepareCommit', 'CompleteAbort'));
    assert.ok(!canTransition('Ongoing', 'Dead'));
  });
});

describe('InitProducerId', () => {
  test('allocates a producer id with epoch 0, then bumps the epoch on re-init', async () => {
    const { coordinator, ports } = started();
    const first = await coordinator.initProducerId({ transactionalId: 'tx', transactionTimeoutMs: 60_000 });
    assert.deepEqual(first, { errorCode: ErrorCode.NONE, producerId: 1000n, producerEpoch: 0 });
    const second = await coordinator.initProducerId({ transactionalId: 'tx', transactionTimeoutMs: 60_000 });
    assert.deepEqual(second, { errorCode: ErrorCode.NONE, producerId: 1000n, producerEpoch: 1 });
    assert.deepEqual(
      ports.records.map((record) => [record.state, record.producerEpoch]),
      [
        ['Empty', 0],
        ['Empty', 1],
      ],
    );
  });

  test('rejects timeouts above transaction.max.timeout.ms or not positive', async () => {
    const { coordinator } = started({ transactionMaxTimeoutMs: 900_000 });
    for (const transactionTimeoutMs of [0, -1, 900_001]) {
      const result = await coordinator.initProducerId({ transactionalId: 'tx', transactionTimeoutMs });
      assert.equal(result.errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    }
    assert.equal((await coordinator.initProducerId({ transactionalId: 'tx', transactionTimeoutMs: 900_000 })).errorCode, ErrorCode.NONE);
  });

  test('answers COORDINATOR_LOAD_IN_PROGRESS before start and INVALID_REQUEST for an empty id', async () => {
    const { coordinator } = setup();
    assert.equal((await coordinator.initProducerId({ transactionalId: 'tx', transactionTimeoutMs: 1000 })).errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    coordinator.start();
    assert.equal((await coordinator.initProducerId({ transactionalId: '', transactionTimeoutMs: 1000 })).errorCode, ErrorCode.INVALID_REQUEST);
  });

  test('with an expected id and epoch (v3+): bumps a match, repeats the answer to a retry, fences a stale epoch', async () => {
    const { coordinator } = started();
    const txn = await begin(coordinator);
    const bumped = await coordinator.initProducerId({ ...txn, transactionTimeoutMs: 60_000 });
    assert.deepEqual(bumped, { errorCode: ErrorCode.NONE, producerId: txn.producerId, producerEpoch: 1 });
    const retried = await coordinator.initProducerId({ ...txn, transactionTimeoutMs: 60_000 });
    assert.deepEqual(retried, { errorCode: ErrorCode.NONE, producerId: txn.producerId, producerEpoch: 1 });
    await coordinator.initProducerId({ transactionalId: 'tx', transactionTimeoutMs: 60_000 });
    const stale = await coordinator.initProducerId({ ...txn, transactionTimeoutMs: 60_000 });
    assert.equal(stale.errorCode, ErrorCode.PRODUCER_FENCED);
    assert.equal(fencedErrorCode(stale.errorCode, 22, 3), ErrorCode.INVALID_PRODUCER_EPOCH);
    assert.equal(fencedErrorCode(stale.errorCode, 22, 4), ErrorCode.PRODUCER_FENCED);
  });

  test('a first call for a new id with an expected id and epoch is accepted; another producer id on an initialized id is fenced', async () => {
    const { coordinator } = started();
    // @platformatic/kafka sends producerId 0 / epoch 0 on its first InitProducerId; Kafka accepts
    // any expected id while the id has no epoch yet.
    const first = await coordinator.initProducerId({ transactionalId: 'tx', transactionTimeoutMs: 60_000, producerId: 0n, producerEpoch: 0 });
    assert.deepEqual(first, { errorCode: ErrorCode.NONE, producerId: 1000n, producerEpoch: 0 });
    const other = await coordinator.initProducerId({ transactionalId: 'tx', transactionTimeoutMs: 60_000, producerId: 5n, producerEpoch: 0 });
    assert.equal(other.errorCode, ErrorCode.PRODUCER_FENCED);
    const current = await coordinator.initProducerId({ transactionalId: 'tx', transactionTimeoutMs: 60_000, producerId: 1000n, producerEpoch: 0 });
    assert.deepEqual(current, { errorCode: ErrorCode.NONE, producerId: 1000n, producerEpoch: 1 });
  });

  test('a retried rotation (previous producer id, exhausted epoch) gets the new producer id again', async () => {
    const coordinator = startedWithExhaustedEpoch();
    const expected = { transactionalId: 'tx', transactionTimeoutMs: 60_000, producerId: 7n, producerEpoch: 32_766 };
    const rotated = await coordinator.initProducerId(expected);
    assert.deepEqual(rotated, { errorCode: ErrorCode.NONE, producerId: 1000n, producerEpoch: 0 });
    const retried = await coordinator.initProducerId(expected);
    assert.deepEqual(retried, { errorCode: ErrorCode.NONE, producerId: 1000n, producerEpoch: 0 });
    const stale = await coordinator.initProducerId({ ...expected, producerEpoch: 32_765 });
    assert.equal(stale.errorCode, ErrorCode.PRODUCER_FENCED);
  });

  test('two concurrent first InitProducerIds for one id: one wins, the other gets CONCURRENT_TRANSACTIONS', async () => {
    const { coordinator, ports } = started();
    const results = await Promise.all([
      coordinator.initProducerId({ transactionalId: 'tx', transactionTimeoutMs: 1000 }),
      coordinator.initProducerId({ transactionalId: 'tx', transactionTimeoutMs: 1000 }),
    ]);
    assert.deepEqual(
      results.map((result) => result.errorCode),
      [ErrorCode.NONE, ErrorCode.CONCURRENT_TRANSACTIONS],
    );
    assert.equal(ports.records.length, 1);
    assert.equal(coordinator.describe('tx')?.producerId, results[0]?.producerId);
  });

  test('allocates a new producer id when the epoch is exhausted', async () => {
    const coordinator = startedWithExhaustedEpoch();
    const result = await coordinator.initProducerId({ transactionalId: 'tx', transactionTimeoutMs: 60_000 });
    assert.deepEqual(result, { errorCode: ErrorCode.NONE, producerId: 1000n, producerEpoch: 0 });
    assert.equal(coordinator.describe('tx')?.previousProducerId, 7n);
  });

  test('re-init with an in-doubt transaction aborts it with a bumped epoch and answers CONCURRENT_TRANSACTIONS until it completes', async () => {
    const { coordinator, ports } = started();
    const txn = await begin(coordinator);
    assert.equal((await coordinator.addPartitions({ ...txn, partitions: [T1] }))[0]?.errorCode, ErrorCode.NONE);
    ports.holdMarkers = true;
    const reinit = await coordinator.initProducerId({ transactionalId: 'tx', transactionTimeoutMs: 60_000 });
    assert.equal(reinit.errorCode, ErrorCode.CONCURRENT_TRANSACTIONS);
    assert.equal(coordinator.describe('tx')?.state, 'PrepareAbort');
    assert.equal(coordinator.describe('tx')?.producerEpoch, 1);
    assert.equal((await coordinator.initProducerId({ transactionalId: 'tx', transactionTimeoutMs: 60_000 })).errorCode, ErrorCode.CONCURRENT_TRANSACTIONS);
    ports.releaseMarkers();
    await coordinator.settled();
    assert.deepEqual(ports.markers, [{ transactionalId: 'tx', producerId: txn.producerId, producerEpoch: 1, committed: false, partitions: [T1] }]);
    assert.equal(coordinator.describe('tx')?.state, 'CompleteAbort');
    const after = await coordinator.initProducerId({ transactionalId: 'tx', transactionTimeoutMs: 60_000 });
    assert.deepEqual(after, { errorCode: ErrorCode.NONE, producerId: txn.producerId, producerEpoch: 2 });
    // The old producer is fenced.
    assert.equal((await coordinator.endTransaction({ ...txn, committed: true })), ErrorCode.PRODUCER_FENCED);
  });
});

describe('a transaction', () => {
  test('commits: partitions and the group offsets partition are added, markers written, CompleteCommit persisted', async () => {
    const { coordinator, ports } = started();
    const txn = await begin(coordinator);
    const added = await coordinator.addPartitions({ ...txn, partitions: [T1, T2] });
    assert.deepEqual(added, [
      { ...T1, errorCode: ErrorCode.NONE },
      { ...T2, errorCode: ErrorCode.NONE },
    ]);
    assert.equal(await coordinator.addOffsets({ ...txn, groupId: 'group' }), ErrorCode.NONE);
    assert.equal(await coordinator.endTransaction({ ...txn, committed: true }), ErrorCode.NONE);
    await coordinator.settled();
    const offsetsPartition = { topic: '__consumer_offsets', partition: ports.partitionFor('group') };
    assert.deepEqual(ports.markers, [{ ...txn, committed: true, partitions: [T1, T2, offsetsPartition] }]);
    assert.deepEqual(
      ports.records.map((record) => record.state),
      ['Empty', 'Ongoing', 'Ongoing', 'PrepareCommit', 'CompleteCommit'],
    );
    assert.deepEqual(ports.records.at(-1)?.partitions, []);
    // A retried commit is answered NONE; an abort of a committed transaction is INVALID_TXN_STATE.
    assert.equal(await coordinator.endTransaction({ ...txn, committed: true }), ErrorCode.NONE);
    assert.equal(await coordinator.endTransaction({ ...txn, committed: false }), ErrorCode.INVALID_TXN_STATE);
    // The next transaction starts from CompleteCommit.
    assert.equal((await coordinator.addPartitions({ ...txn, partitions: [U0] }))[0]?.errorCode, ErrorCode.NONE);
    assert.deepEqual(coordinator.describe('tx')?.partitions, [U0]);
  });

  test('aborts: ABORT markers, CompleteAbort', async () => {
    const { coordinator, ports } = started();
    const txn = await begin(coordinator);
    await coordinator.addPartitions({ ...txn, partitions: [T1] });
    assert.equal(await coordinator.endTransaction({ ...txn, committed: false }), ErrorCode.NONE);
    await coordinator.settled();
    assert.deepEqual(ports.markers, [{ ...txn, committed: false, partitions: [T1] }]);
    assert.equal(coordinator.describe('tx')?.state, 'CompleteAbort');
    assert.equal(await coordinator.endTransaction({ ...txn, committed: true }), ErrorCode.INVALID_TXN_STATE);
  });

  test('a second EndTxn while the first is completing gets CONCURRENT_TRANSACTIONS (same result) or INVALID_TXN_STATE (other)', async () => {
    const { coordinator, ports } = started();
    const txn = await begin(coordinator);
    await coordinator.addPartitions({ ...txn, partitions: [T1] });
    ports.holdMarkers = true;
    const [first, second] = await Promise.all([
      coordinator.endTransaction({ ...txn, committed: true }),
      coordinator.endTransaction({ ...txn, committed: true }),
    ]);
    assert.deepEqual([first, second], [ErrorCode.NONE, ErrorCode.CONCURRENT_TRANSACTIONS]);
    assert.equal(await coordinator.endTransaction({ ...txn, committed: true }), ErrorCode.CONCURRENT_TRANSACTIONS);
    assert.equal(await coordinator.endTransaction({ ...txn, committed: false }), ErrorCode.INVALID_TXN_STATE);
    assert.equal((await coordinator.addPartitions({ ...txn, partitions: [T2] }))[0]?.errorCode, ErrorCode.CONCURRENT_TRANSACTIONS);
    assert.equal(await coordinator.addOffsets({ ...txn, groupId: 'g' }), ErrorCode.CONCURRENT_TRANSACTIONS);
    ports.releaseMarkers();
    await coordinator.settled();
    assert.equal(coordinator.describe('tx')?.state, 'CompleteCommit');
    assert.equal(ports.markers.length, 1);
  });

  test('retries a failed marker write after the backoff before completing', async () => {
    const { coordinator, ports } = started({ retryBackoffMs: 100 });
    const txn = await begin(coordinator);
    await coordinator.addPartitions({ ...txn, partitions: [T1] });
    ports.markerFailures = 1;
    assert.equal(await coordinator.endTransaction({ ...txn, committed: true }), ErrorCode.NONE);
    await settle();
    assert.equal(coordinator.describe('tx')?.state, 'PrepareCommit');
    ports.timers.advance(100);
    await coordinator.settled();
    assert.equal(coordinator.describe('tx')?.state, 'CompleteCommit');
    assert.equal(ports.markers.length, 1);
  });

  test('error codes: unknown id or producer id, older epoch, EndTxn without a transaction, persist failure', async () => {
    const { coordinator, ports } = started();
    const txn = await begin(coordinator);
    assert.equal((await coordinator.addPartitions({ ...txn, transactionalId: 'other', partitions: [T1] }))[0]?.errorCode, ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    assert.equal((await coordinator.addPartitions({ ...txn, producerId: 5n, partitions: [T1] }))[0]?.errorCode, ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    const fenced = await coordinator.addPartitions({ ...txn, producerEpoch: 7, partitions: [T1] });
    assert.equal(fenced[0]?.errorCode, ErrorCode.PRODUCER_FENCED);
    assert.equal(fencedErrorCode(ErrorCode.PRODUCER_FENCED, 24, 1), ErrorCode.INVALID_PRODUCER_EPOCH);
    assert.equal(fencedErrorCode(ErrorCode.PRODUCER_FENCED, 25, 1), ErrorCode.INVALID_PRODUCER_EPOCH);
    assert.equal(fencedErrorCode(ErrorCode.CONCURRENT_TRANSACTIONS, 24, 0), ErrorCode.CONCURRENT_TRANSACTIONS);
    assert.equal(fencedErrorCode(ErrorCode.PRODUCER_FENCED, 26, 2), ErrorCode.PRODUCER_FENCED);
    assert.equal(await coordinator.endTransaction({ ...txn, committed: true }), ErrorCode.INVALID_TXN_STATE);
    ports.persistFails = true;
    assert.equal((await coordinator.addPartitions({ ...txn, partitions: [T1] }))[0]?.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    assert.equal(coordinator.describe('tx')?.state, 'Empty');
    assert.equal(coordinator.describe('tx')?.pendingState, null);
  });

  test('re-adding partitions already in an Ongoing transaction writes nothing', async () => {
    const { coordinator, ports } = started();
    const txn = await begin(coordinator);
    await coordinator.addPartitions({ ...txn, partitions: [T1, T2] });
    const written = ports.records.length;
    assert.equal((await coordinator.addPartitions({ ...txn, partitions: [T2] }))[0]?.errorCode, ErrorCode.NONE);
    assert.equal(ports.records.length, written);
  });
});

describe('timers', () => {
  test('an Ongoing transaction past transaction.timeout.ms is aborted with an epoch bump, fencing its producer', async () => {
    const { coordinator, ports } = started({ abortTimedOutTransactionCleanupIntervalMs: 10_000 });
    const txn = await begin(coordinator, 'tx', 15_000);
    await coordinator.addPartitions({ ...txn, partitions: [T1] });
    ports.timers.advance(10_000);
    await coordinator.settled();
    assert.equal(coordinator.describe('tx')?.state, 'Ongoing');
    ports.timers.advance(10_000);
    await coordinator.settled();
    assert.equal(coordinator.describe('tx')?.state, 'CompleteAbort');
    assert.deepEqual(ports.markers, [{ ...txn, producerEpoch: 1, committed: false, partitions: [T1] }]);
    assert.equal(await coordinator.endTransaction({ ...txn, committed: true }), ErrorCode.PRODUCER_FENCED);
    assert.equal((await coordinator.initProducerId({ ...txn, transactionTimeoutMs: 15_000 })).errorCode, ErrorCode.PRODUCER_FENCED);
    const fresh = await coordinator.initProducerId({ transactionalId: 'tx', transactionTimeoutMs: 15_000 });
    assert.deepEqual(fresh, { errorCode: ErrorCode.NONE, producerId: txn.producerId, producerEpoch: 2 });
    await coordinator.close();
    assert.equal(ports.timers.pendingCount, 0);
  });

  test('ids idle past transactional.id.expiration.ms are removed with a Dead record; busy ones stay', async () => {
    const { coordinator, ports } = started({
      transactionalIdExpirationMs: 60_000,
      removeExpiredTransactionalIdCleanupIntervalMs: 30_000,
      abortTimedOutTransactionCleanupIntervalMs: 1_000_000,
    });
    await begin(coordinator, 'idle');
    const busy = await begin(coordinator, 'busy', 900_000);
    await coordinator.addPartitions({ ...busy, partitions: [T1] });
    ports.timers.advance(30_000);
    await coordinator.settled();
    assert.ok(coordinator.describe('idle'));
    ports.timers.advance(30_000);
    await coordinator.settled();
    assert.equal(coordinator.describe('idle'), undefined);
    assert.equal(coordinator.describe('busy')?.state, 'Ongoing');
    assert.deepEqual(
      ports.records.filter((record) => record.state === 'Dead').map((record) => record.transactionalId),
      ['idle'],
    );
    // An expired id starts over with a new producer id.
    const again = await coordinator.initProducerId({ transactionalId: 'idle', transactionTimeoutMs: 1000 });
    assert.equal(again.errorCode, ErrorCode.NONE);
    assert.notEqual(again.producerId, 1000n);
    await coordinator.close();
  });
});

describe('replay', () => {
  test('rebuilds state from the recorded records and completes an in-flight PrepareCommit on start', async () => {
    const before = started();
    const a = await begin(before.coordinator, 'a');
    await before.coordinator.addPartitions({ ...a, partitions: [T1] });
    const b = await begin(before.coordinator, 'b');
    await before.coordinator.addPartitions({ ...b, partitions: [T2] });
    const c = await begin(before.coordinator, 'c');
    await before.coordinator.initProducerId({ transactionalId: 'c', transactionTimeoutMs: 60_000 });
    before.ports.holdMarkers = true;
    assert.equal(await before.coordinator.endTransaction({ ...a, committed: true }), ErrorCode.NONE);
    // "Crash": the markers never complete; only the persisted records survive.
    const records = [...before.ports.records];
    assert.equal(records.at(-1)?.state, 'PrepareCommit');

    const ports = new Ports();
    ports.nextProducerId = 5000n;
    const after = new TxnCoordinator(ports);
    for (const record of records) after.replay(record);
    assert.equal((await after.initProducerId({ transactionalId: 'b', transactionTimeoutMs: 1000 })).errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    after.start();
    await after.settled();
    assert.deepEqual(ports.markers, [{ ...a, committed: true, partitions: [T1] }]);
    assert.equal(after.describe('a')?.state, 'CompleteCommit');
    assert.equal(after.describe('b')?.state, 'Ongoing');
    assert.deepEqual(after.describe('b')?.partitions, [T2]);
    assert.equal(after.describe('c')?.producerEpoch, c.producerEpoch + 1);
    // The producer of b carries on with its transaction after the restart.
    assert.equal(await after.endTransaction({ ...b, committed: false }), ErrorCode.NONE);
    await after.settled();
    assert.equal(after.describe('b')?.state, 'CompleteAbort');
    assert.deepEqual(after.list().map((txn) => txn.transactionalId).sort(), ['a', 'b', 'c']);
    await after.close();
    before.ports.releaseMarkers();
    await before.coordinator.close();
  });

  test('a Dead record removes the id', () => {
    const { coordinator, ports } = setup();
    const record: TxnStateRecord = {
      transactionalId: 'gone',
      producerId: 1n,
      previousProducerId: -1n,
      producerEpoch: 0,
      lastProducerEpoch: -1,
      transactionTimeoutMs: 1000,
      state: 'Empty',
      partitions: [],
      transactionStartTimeMs: -1,
      lastUpdateTimeMs: ports.timers.now(),
    };
    coordinator.replay(record);
    coordinator.replay({ ...record, state: 'Dead' });
    coordinator.start();
    assert.equal(coordinator.describe('gone'), undefined);
  });
});
