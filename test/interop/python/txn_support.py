"""What the transaction checks share: step reporting, assertions, end offsets, waiting for every
partition to become stable, and reading partitions to their end at an isolation level.

Each check prints "PASS <step>" or "FAIL <step>: <expected and seen>" per step and, from finish(),
"ALL PASSED" (exit 0) or the number of failed steps (exit 1).
"""

import sys
import time
import traceback

from confluent_kafka import OFFSET_BEGINNING, Consumer, IsolationLevel, KafkaError, KafkaException, TopicPartition
from confluent_kafka.admin import OffsetSpec


class Mismatch(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Mismatch(message)


def equal(expected, actual, what):
    if expected != actual:
        raise Mismatch(f"{what}: expected {expected!r}, got {actual!r}")


class Steps:
    def __init__(self):
        self.failed = 0

    def run(self, name, body):
        try:
            body()
            print(f"PASS {name}", flush=True)
        except Exception as error:  # every failure becomes a step failure; the next steps still run
            self.failed += 1
            print(f"FAIL {name}: {type(error).__name__}: {error}".replace("\n", " "), flush=True)
            traceback.print_exc()

    def finish(self):
        if self.failed:
            print(f"{self.failed} step(s) failed", flush=True)
            sys.exit(1)
        print("ALL PASSED", flush=True)


def end_offsets(admin, topic, partitions, isolation, timeout_s):
    request = {TopicPartition(topic, partition): OffsetSpec.latest() for partition in range(partitions)}
    answer = admin.list_offsets(request, isolation_level=isolation, request_timeout=timeout_s)
    return {key.partition: future.result(timeout_s).offset for key, future in answer.items()}


def await_stable(admin, topic, partitions, timeout_s, request_timeout_s, poll_s=0.1, tolerate_errors=False):
    """Waits until every partition's last stable offset equals its high watermark; returns them.
    With tolerate_errors, a failed ListOffsets (a broker restarting) is tried again until the deadline."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            uncommitted = end_offsets(admin, topic, partitions, IsolationLevel.READ_UNCOMMITTED, request_timeout_s)
            committed = end_offsets(admin, topic, partitions, IsolationLevel.READ_COMMITTED, request_timeout_s)
            if committed == uncommitted:
                return uncommitted
        except KafkaException:
            if not tolerate_errors:
                raise
            committed = uncommitted = None
        check(time.monotonic() < deadline, f"not stable: read_committed {committed}, read_uncommitted {uncommitted}")
        time.sleep(poll_s)


def read_to_end(bootstrap, topic, partitions, isolation, group_id, timeout_s):
    """Reads every partition from the beginning to its end (the LSO for read_committed) with assign();
    returns {partition: [(offset, value)]}."""
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": group_id,
        "enable.auto.commit": False,
        "enable.partition.eof": True,
        "isolation.level": isolation,
    })
    try:
        consumer.assign([TopicPartition(topic, partition, OFFSET_BEGINNING) for partition in range(partitions)])
        records = {partition: [] for partition in range(partitions)}
        at_end = set()
        deadline = time.monotonic() + timeout_s
        while len(at_end) < partitions:
            check(time.monotonic() < deadline, f"{isolation} consumer reached the end of {sorted(at_end)} only")
            message = consumer.poll(0.5)
            if message is None:
                continue
            if message.error() is not None:
                if message.error().code() == KafkaError._PARTITION_EOF:
                    at_end.add(message.partition())
                    continue
                raise Mismatch(f"consumer error {message.error()}")
            at_end.discard(message.partition())
            records[message.partition()].append((message.offset(), message.value().decode()))
        return records
    finally:
        consumer.close()
