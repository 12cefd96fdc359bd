"""librdkafka transactions through confluent-kafka (Python) against a broker, in one process.

A transactional producer commits A, aborts B and commits C, each writing 5 records to each of 3
partitions; read_committed consumers see A and C only, read_uncommitted consumers see all three, at
Kafka's offsets (a control record after each transaction). Then consume-transform-produce with
send_offsets_to_transaction: the group's committed offsets move with a commit, not with an abort.

Usage: python txn_check.py <bootstrap>
Prints "PASS <step>" or "FAIL <step>: <expected and seen>" per step, then "ALL PASSED" (exit 0).
"""

import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

import txn_support as support
from txn_support import Steps, check, equal

BOOTSTRAP = sys.argv[1]
TOPIC = "python-txn"
PARTITIONS = 3
PER_PARTITION = 5
TIMEOUT_S = 30


steps = Steps()
step = steps.run


admin = AdminClient({"bootstrap.servers": BOOTSTRAP})


def create_topic(topic, partitions):
    for future in admin.create_topics([NewTopic(topic, partitions, 1)]).values():
        try:
            future.result(TIMEOUT_S)
        except Exception as error:
            if "TOPIC_ALREADY_EXISTS" not in str(error):
                raise


def await_stable(topic, partitions):
    return support.await_stable(admin, topic, partitions, TIMEOUT_S, TIMEOUT_S)


def read_all(topic, partitions, isolation):
    return support.read_to_end(BOOTSTRAP, topic, partitions, isolation, f"python-txn-reader-{isolation}", TIMEOUT_S)


def values(transaction, partition, count=PER_PARTITION):
    return [f"{transaction}-p{partition}-r{index}" for index in range(count)]


def commit_and_abort():
    create_topic(TOPIC, PARTITIONS)
    producer = Producer({"bootstrap.servers": BOOTSTRAP, "transactional.id": "python-txn", "linger.ms": 0})

    def run_transactions():
        producer.init_transactions(TIMEOUT_S)
        for transaction in ["A", "B", "C"]:
            producer.begin_transaction()
            for partition in range(PARTITIONS):
                for value in values(transaction, partition):
                    producer.produce(TOPIC, key=f"k-{value}", value=value, partition=partition)
            check(producer.flush(TIMEOUT_S) == 0, "records still queued after flush")
            if transaction == "B":
                producer.abort_transaction(TIMEOUT_S)
            else:
                producer.commit_transaction(TIMEOUT_S)

    step("a librdkafka transactional producer commits A, aborts B, commits C across 3 partitions", run_transactions)

    def stable():
        equal({partition: 18 for partition in range(PARTITIONS)}, await_stable(TOPIC, PARTITIONS), "end offsets (15 records and 3 markers each)")

    step("every partition ends at 18 and becomes stable", stable)

    def read_committed():
        records = read_all(TOPIC, PARTITIONS, "read_committed")
        for partition in range(PARTITIONS):
            expected = [(offset, value) for offset, value in zip(range(0, 5), values("A", partition))]
            expected += [(offset, value) for offset, value in zip(range(12, 17), values("C", partition))]
            equal(expected, records[partition], f"read_committed records of partition {partition}")

    step("read_committed consumers see A (offsets 0-4) and C (12-16), none of B", read_committed)

    def read_uncommitted():
        records = read_all(TOPIC, PARTITIONS, "read_uncommitted")
        for partition in range(PARTITIONS):
            expected = []
            for base, transaction in [(0, "A"), (6, "B"), (12, "C")]:
                expected += list(zip(range(base, base + 5), values(transaction, partition)))
            equal(expected, records[partition], f"read_uncommitted records of partition {partition}")

    step("read_uncommitted consumers see A (0-4), B (6-10) and C (12-16)", read_uncommitted)


CTP_IN = "python-ctp-in"
CTP_OUT = "python-ctp-out"
CTP_GROUP = "python-ctp"


def group_offsets():
    consumer = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": CTP_GROUP, "enable.auto.commit": False})
    try:
        committed = consumer.committed([TopicPartition(CTP_IN, 0)], timeout=TIMEOUT_S)
        return committed[0].offset
    finally:
        consumer.close()


def await_group_offset(expected):
    deadline = time.monotonic() + TIMEOUT_S
    while True:
        seen = group_offsets()
        if seen == expected:
            return
        check(time.monotonic() < deadline, f"the group's committed offset: expected {expected}, got {seen}")
        time.sleep(0.1)


def consume_transform_produce():
    create_topic(CTP_IN, 1)
    create_topic(CTP_OUT, 1)
    plain = Producer({"bootstrap.servers": BOOTSTRAP})
    for index in range(10):
        plain.produce(CTP_IN, value=f"in-{index}", partition=0)
    plain.flush(TIMEOUT_S)
    consumer = Consumer({
        "bootstrap.servers": BOOTSTRAP,
        "group.id": CTP_GROUP,
        "enable.auto.commit": False,
        "isolation.level": "read_committed",
        "auto.offset.reset": "earliest",
    })
    producer = Producer({"bootstrap.servers": BOOTSTRAP, "transactional.id": "python-ctp", "linger.ms": 0})

    def transform(count, commit):
        got = 0
        deadline = time.monotonic() + TIMEOUT_S
        while got < count:
            check(time.monotonic() < deadline, f"consumed {got} of {count} input records")
            messages = consumer.consume(count - got, 0.5)
            messages = [message for message in messages if message.error() is None]
            if not messages:
                continue
            producer.begin_transaction()
            for message in messages:
                producer.produce(CTP_OUT, value=message.value().decode().upper(), partition=0)
            got += len(messages)
            positions = [TopicPartition(CTP_IN, 0, messages[-1].offset() + 1)]
            producer.send_offsets_to_transaction(positions, consumer.consumer_group_metadata(), TIMEOUT_S)
            # abort_transaction purges records still queued: flush first so the aborted ones are in the log
            check(producer.flush(TIMEOUT_S) == 0, "records still queued after flush")
            if commit:
                producer.commit_transaction(TIMEOUT_S)
            else:
                producer.abort_transaction(TIMEOUT_S)

    def commit_ten():
        producer.init_transactions(TIMEOUT_S)
        consumer.subscribe([CTP_IN])
        transform(10, True)
        await_group_offset(10)
        await_stable(CTP_OUT, 1)
        equal([f"IN-{index}" for index in range(10)], [value for _, value in read_all(CTP_OUT, 1, "read_committed")[0]], "read_committed output")

    step("consume-transform-produce with send_offsets_to_transaction commits 10 records; the group's offset is then 10", commit_ten)

    def abort_five():
        for index in range(10, 15):
            plain.produce(CTP_IN, value=f"in-{index}", partition=0)
        plain.flush(TIMEOUT_S)
        transform(5, False)
        await_stable(CTP_OUT, 1)
        equal(10, group_offsets(), "the group's committed offset after the abort")
        equal(10, len(read_all(CTP_OUT, 1, "read_committed")[0]), "read_committed output records after the abort")
        equal(15, len(read_all(CTP_OUT, 1, "read_uncommitted")[0]), "read_uncommitted output records after the abort")

    step("an aborted consume-transform-produce transaction leaves the group's offset at 10 and its output invisible", abort_five)
    consumer.close()


commit_and_abort()
consume_transform_produce()
steps.finish()
