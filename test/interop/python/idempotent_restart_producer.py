"""An idempotent librdkafka producer (confluent-kafka) sending while the test kills and restarts the
broker, then an assign-only consumer checking every record is in the log exactly once, in order, at
the offset its delivery report named.

Usage: python idempotent_restart_producer.py <bootstrap> <topic> <record count>
Prints "ACKED <index> <offset>" per delivered record (the test kills the broker after some), then
"PASS <step>" lines, or "FAIL <step>: <message>" and exit 1; "ALL PASSED" at the end.
"""

import sys
import time

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition

BOOTSTRAP, TOPIC, COUNT = sys.argv[1], sys.argv[2], int(sys.argv[3])


def fail(step, message):
    print(f"FAIL {step}: {message}", flush=True)
    sys.exit(1)


def log_error(error):
    print(f"# client error callback: {error}", file=sys.stderr, flush=True)


offsets = [None] * COUNT
errors = []


def on_delivery(error, message):
    index = int(message.key().decode().split("-")[1])
    if error is not None:
        errors.append(f"record {index}: {error}")
        return
    offsets[index] = message.offset()
    print(f"ACKED {index} {message.offset()}", flush=True)


producer = Producer(
    {
        "bootstrap.servers": BOOTSTRAP,
        "enable.idempotence": True,
        "linger.ms": 1,
        "batch.num.messages": 20,
        "message.timeout.ms": 120000,
        "reconnect.backoff.ms": 50,
        "reconnect.backoff.max.ms": 500,
        "error_cb": log_error,
    }
)
for index in range(COUNT):
    producer.produce(TOPIC, partition=0, key=f"key-{index}".encode(), value=f"value-{index}".encode(), on_delivery=on_delivery)
    if index % 20 == 19:
        producer.poll(0.002)  # a steady stream, so the kill lands mid-stream
remaining = producer.flush(150)
step = "every record is delivered across the restart, at offsets 0..count-1"
if remaining != 0:
    fail(step, f"{remaining} records still queued")
if errors:
    fail(step, "; ".join(errors[:5]))
for index, offset in enumerate(offsets):
    if offset != index:
        fail(step, f"record {index} delivered at offset {offset}")
print(f"PASS {step}", flush=True)

step = "the log holds each record once, in order, with its key and value"
consumer = Consumer(
    {
        "bootstrap.servers": BOOTSTRAP,
        "group.id": "fjord-interop-assign-only",
        "enable.auto.commit": False,
        "enable.partition.eof": True,
        "error_cb": log_error,
    }
)
consumer.assign([TopicPartition(TOPIC, 0, 0)])
records = []
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    message = consumer.poll(0.5)
    if message is None:
        continue
    if message.error() is not None:
        if message.error().code() == KafkaError._PARTITION_EOF:
            break
        fail(step, f"consume error {message.error()}")
    records.append(message)
consumer.close()
if len(records) != COUNT:
    fail(step, f"read {len(records)} records, expected {COUNT} (duplicates or losses)")
for index, message in enumerate(records):
    if message.offset() != index or message.key() != f"key-{index}".encode() or message.value() != f"value-{index}".encode():
        fail(step, f"at position {index}: offset {message.offset()} key {message.key()} value {message.value()}")
print(f"PASS {step}", flush=True)
print("ALL PASSED", flush=True)
