"""confluent-kafka (Python, current librdkafka) against a broker, in one process.

Usage: python confluent_kafka_check.py <bootstrap>
Prints "PASS <step>" or "FAIL <step>: <expected and seen>" per step; a failed step does not stop
the later ones (they report their own state). Exit 0 (after "ALL PASSED") means every step passed.

No consumer groups exist yet, so the consumer uses assign() with explicit offsets and
enable.auto.commit=false. librdkafka insists on a group.id for a KafkaConsumer ("group.id must be
set"); with one set it sends FindCoordinator (v2, key type group) in the background even when only
assign() is used (seen with debug=protocol: ApiVersions v3, Metadata v13, FindCoordinator v2, Fetch
v16, and no OffsetFetch/OffsetCommit/JoinGroup). Fetching does not wait for that lookup, so client
errors are printed to stderr, not fatal.
"""

import sys
import time
import traceback

from confluent_kafka import (
    OFFSET_BEGINNING,
    Consumer,
    KafkaError,
    KafkaException,
    Producer,
    TIMESTAMP_CREATE_TIME,
    TopicPartition,
)
from confluent_kafka.admin import (
    AdminClient,
    ConfigResource,
    NewPartitions,
    NewTopic,
    OffsetSpec,
    ResourceType,
)

BOOTSTRAP = sys.argv[1]
TOPIC = "python-records"
CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]
RECORD_COUNT = 100
BASE_TIMESTAMP = 1_700_000_000_000
MAX_TIMESTAMP_INDEX = 61


class Mismatch(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Mismatch(message)


def equal(expected, actual, what):
    if expected != actual:
        raise Mismatch(f"{what}: expected {expected!r}, got {actual!r}")


failed_steps = []


def step(name, body):
    try:
        body()
    except Exception as error:  # any failure is reported with its message; later steps still run
        message = str(error) if isinstance(error, Mismatch) else f"{type(error).__name__}: {error}"
        print(f"FAIL {name}: {message}", flush=True)
        if not isinstance(error, Mismatch):
            traceback.print_exc(file=sys.stdout)
        failed_steps.append(name)
        return
    print(f"PASS {name}", flush=True)


def log_error(error):
    print(f"# client error callback: {error}", file=sys.stderr, flush=True)


def timestamp_of(index):
    if index == MAX_TIMESTAMP_INDEX:
        return BASE_TIMESTAMP + 10_000_000
    return BASE_TIMESTAMP + index * 1000


def key_of(codec, index):
    return None if index % 10 == 3 else f"{codec}-key-{index}".encode()


def value_of(codec, index):
    return None if index % 10 == 7 else f"{codec}-value-{index}-{codec * (index % 9)}".encode()


def headers_of(codec, index):
    if index % 5 == 0:
        return []
    return [("codec", codec.encode()), ("index", str(index).encode()), ("index", b"again"), ("empty", b"")]


admin = AdminClient({"bootstrap.servers": BOOTSTRAP, "error_cb": log_error})
state = {}


def list_topics():
    metadata = admin.list_topics(timeout=15)
    equal(1, len(metadata.brokers), "broker count")
    broker = next(iter(metadata.brokers.values()))
    equal(BOOTSTRAP, f"{broker.host}:{broker.port}", "broker address")
    equal(broker.id, metadata.controller_id, "controller id")
    check(metadata.cluster_id, "cluster id is empty")
    state["node_id"] = broker.id


step("AdminClient.list_topics names one broker, at the bootstrap address, as controller", list_topics)


def create_topics():
    futures = admin.create_topics(
        [NewTopic(TOPIC, num_partitions=len(CODECS), replication_factor=1, config={"retention.ms": "86400000"})],
        operation_timeout=15,
    )
    futures[TOPIC].result(timeout=30)
    metadata = admin.list_topics(topic=TOPIC, timeout=15)
    topic = metadata.topics[TOPIC]
    check(topic.error is None, f"topic error {topic.error}")
    equal(len(CODECS), len(topic.partitions), "partition count")
    for partition in topic.partitions.values():
        equal(state["node_id"], partition.leader, f"leader of partition {partition.id}")
        equal([state["node_id"]], list(partition.replicas), f"replicas of partition {partition.id}")
        equal([state["node_id"]], list(partition.isrs), f"isrs of partition {partition.id}")
    again = admin.create_topics([NewTopic(TOPIC, num_partitions=1, replication_factor=1)])
    try:
        again[TOPIC].result(timeout=30)
    except KafkaException as error:
        equal(KafkaError.TOPIC_ALREADY_EXISTS, error.args[0].code(), "error creating an existing topic")
    else:
        raise Mismatch("creating an existing topic succeeded")


step("AdminClient.create_topics creates a topic with a config; list_topics shows its partitions; a duplicate gets TOPIC_ALREADY_EXISTS", create_topics)


def describe_configs():
    resource = ConfigResource(ResourceType.TOPIC, TOPIC)
    configs = admin.describe_configs([resource])[resource].result(timeout=30)
    equal("86400000", configs["retention.ms"].value, "retention.ms")
    equal(ConfigResource.Type.TOPIC, resource.restype, "resource type")
    check(not configs["retention.ms"].is_default, "retention.ms reported as default")
    equal("delete", configs["cleanup.policy"].value, "cleanup.policy default")
    check(configs["cleanup.policy"].is_default, "cleanup.policy not reported as default")
    broker = ConfigResource(ResourceType.BROKER, str(state["node_id"]))
    broker_configs = admin.describe_configs([broker])[broker].result(timeout=30)
    check("num.partitions" in broker_configs, "broker configs lack num.partitions")


step("AdminClient.describe_configs shows the topic's override and defaults, and broker configs", describe_configs)


def produce_every_codec():
    state["offsets"] = {}
    for partition, codec in enumerate(CODECS):
        producer = Producer(
            {
                "bootstrap.servers": BOOTSTRAP,
                "enable.idempotence": True,
                "compression.type": codec,
                "linger.ms": 5,
                "batch.num.messages": 30,
                "error_cb": log_error,
            }
        )
        delivered = []

        def on_delivery(error, message):
            delivered.append((error, message.offset() if error is None else None, message.timestamp()))

        for index in range(RECORD_COUNT):
            producer.produce(
                TOPIC,
                partition=partition,
                key=key_of(codec, index),
                value=value_of(codec, index),
                headers=headers_of(codec, index),
                timestamp=timestamp_of(index),
                on_delivery=on_delivery,
            )
        remaining = producer.flush(30)
        equal(0, remaining, f"{codec}: messages still queued after flush")
        equal(RECORD_COUNT, len(delivered), f"{codec}: delivery reports")
        for index, (error, offset, timestamp) in enumerate(delivered):
            check(error is None, f"{codec}: record {index} failed: {error}")
            equal(index, offset, f"{codec}: offset of record {index}")
            equal((TIMESTAMP_CREATE_TIME, timestamp_of(index)), timestamp, f"{codec}: timestamp of record {index}")


step("idempotent producers with every codec (none, gzip, snappy, lz4, zstd) get offsets 0.. in send order", produce_every_codec)


def make_consumer():
    return Consumer(
        {
            "bootstrap.servers": BOOTSTRAP,
            "group.id": "fjord-interop-assign-only",
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            "enable.partition.eof": True,
            "error_cb": log_error,
        }
    )


def read_partition(consumer, partition, start_offset, expected_count):
    consumer.assign([TopicPartition(TOPIC, partition, start_offset)])
    records = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        message = consumer.poll(0.5)
        if message is None:
            continue
        if message.error() is not None:
            if message.error().code() == KafkaError._PARTITION_EOF:
                break
            raise Mismatch(f"consume error: {message.error()}")
        records.append(message)
    equal(expected_count, len(records), f"records read from partition {partition} at {start_offset}")
    return records


def consume_by_assign():
    consumer = make_consumer()
    try:
        for partition, codec in enumerate(CODECS):
            records = read_partition(consumer, partition, OFFSET_BEGINNING, RECORD_COUNT)
            for index, message in enumerate(records):
                where = f"{codec} record {index}"
                equal(index, message.offset(), f"{where} offset")
                equal(key_of(codec, index), message.key(), f"{where} key")
                equal(value_of(codec, index), message.value(), f"{where} value")
                equal(headers_of(codec, index), message.headers() or [], f"{where} headers")
                equal((TIMESTAMP_CREATE_TIME, timestamp_of(index)), message.timestamp(), f"{where} timestamp")
        tail = read_partition(consumer, 0, 90, 10)
        equal(list(range(90, 100)), [message.offset() for message in tail], "offsets read from offset 90")
    finally:
        consumer.close()


step("a consumer with assign() and explicit offsets (no group) reads every record back: offset, key, value, headers, timestamp", consume_by_assign)


def offsets_by_time():
    consumer = make_consumer()
    try:
        found = consumer.offsets_for_times([TopicPartition(TOPIC, 0, BASE_TIMESTAMP + 40_500)], timeout=15)
        equal(41, found[0].offset, "offsets_for_times(base + 40.5 s)")
        exact = consumer.offsets_for_times([TopicPartition(TOPIC, 2, BASE_TIMESTAMP + 7_000)], timeout=15)
        equal(7, exact[0].offset, "offsets_for_times(exact timestamp of record 7)")
        after = consumer.offsets_for_times([TopicPartition(TOPIC, 0, BASE_TIMESTAMP + 99_000_000)], timeout=15)
        equal(-1, after[0].offset, "offsets_for_times after the last record (end)")
        equal((0, RECORD_COUNT), consumer.get_watermark_offsets(TopicPartition(TOPIC, 0), timeout=15), "watermarks")
    finally:
        consumer.close()


step("Consumer.offsets_for_times finds the first offset at or after a time, -1 after the last; watermarks are 0 and the end", offsets_by_time)


def admin_list_offsets():
    partition = TopicPartition(TOPIC, 1)
    specs = {
        "earliest": (OffsetSpec.earliest(), 0),
        "latest": (OffsetSpec.latest(), RECORD_COUNT),
        "max timestamp": (OffsetSpec.max_timestamp(), MAX_TIMESTAMP_INDEX),
        "for timestamp": (OffsetSpec.for_timestamp(BASE_TIMESTAMP + 20_000), 20),
    }
    for name, (spec, expected) in specs.items():
        result = admin.list_offsets({partition: spec})[partition].result(timeout=30)
        equal(expected, result.offset, f"list_offsets {name}")


step("AdminClient.list_offsets answers earliest, latest, max timestamp and by timestamp", admin_list_offsets)


def create_partitions_and_delete():
    admin.create_partitions([NewPartitions(TOPIC, len(CODECS) + 2)])[TOPIC].result(timeout=30)
    equal(len(CODECS) + 2, len(admin.list_topics(topic=TOPIC, timeout=15).topics[TOPIC].partitions), "partitions after create_partitions")
    admin.delete_topics([TOPIC], operation_timeout=15)[TOPIC].result(timeout=30)
    deadline = time.monotonic() + 15
    while TOPIC in admin.list_topics(timeout=15).topics:
        check(time.monotonic() < deadline, "topic still listed 15 s after delete_topics")
        time.sleep(0.1)


step("AdminClient.create_partitions grows the topic and delete_topics removes it", create_partitions_and_delete)
if failed_steps:
    sys.exit(1)
print("ALL PASSED", flush=True)
