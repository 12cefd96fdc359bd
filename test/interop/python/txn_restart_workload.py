"""librdkafka transactions (confluent-kafka) through broker restarts, then a read_committed check.

One transactional producer runs <count> transactions in turn, each writing 1-4 records to each of
1-3 random partitions (seeded) and then committing (60 %) or aborting. It handles errors as
librdkafka documents: a retriable error repeats the call, an error that requires an abort aborts
the transaction, a fatal error ends the run (a FAIL). Meanwhile the test restarts the broker.
Afterwards, once every partition is stable, a read_committed consumer must show every committed
transaction whole, no aborted one, each record once and in order; a transaction whose commit call
failed may show whole or not at all.

Usage: python txn_restart_workload.py <bootstrap> <topic> <partitions> <count> <seed>
Prints "DONE <i> <outcome>" per transaction, then "PASS <step>" / "FAIL <step>: ..." lines and
"ALL PASSED" (exit 0).
"""

import random
import sys
import time

from confluent_kafka import KafkaException, Producer
from confluent_kafka.admin import AdminClient, NewTopic

import txn_support as support
from txn_support import Steps, check

BOOTSTRAP, TOPIC = sys.argv[1], sys.argv[2]
PARTITIONS, COUNT, SEED = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
CALL_TIMEOUT_S = 30
DEADLINE_S = 240

steps = Steps()
step = steps.run
admin = AdminClient({"bootstrap.servers": BOOTSTRAP})


def await_stable():
    return support.await_stable(admin, TOPIC, PARTITIONS, 90, CALL_TIMEOUT_S, poll_s=0.2, tolerate_errors=True)


def read_committed():
    return support.read_to_end(BOOTSTRAP, TOPIC, PARTITIONS, "read_committed", "txn-restart-reader", 90)


def plan_transactions():
    generator = random.Random(SEED)
    transactions = []
    for index in range(COUNT):
        commit = generator.random() < 0.6
        partitions = generator.sample(range(PARTITIONS), 1 + generator.randrange(min(3, PARTITIONS)))
        records = []
        for partition in partitions:
            for _ in range(1 + generator.randrange(4)):
                records.append((partition, len(records)))
        transactions.append({"index": index, "commit": commit, "records": records, "outcome": None})
    return transactions


def value_of(transaction, record):
    partition, number = record
    return f"t{transaction['index']}.r{number}.n{len(transaction['records'])}.p{partition}"


def retrying(call):
    """Repeats a transactional call while librdkafka says its error is retriable."""
    deadline = time.monotonic() + DEADLINE_S
    while True:
        try:
            return call()
        except KafkaException as error:
            if error.args[0].retriable() and time.monotonic() < deadline:
                time.sleep(0.2)
                continue
            raise


def run(transactions):
    create = admin.create_topics([NewTopic(TOPIC, PARTITIONS, 1)])
    for future in create.values():
        future.result(CALL_TIMEOUT_S)
    producer = Producer({
        "bootstrap.servers": BOOTSTRAP,
        "transactional.id": f"librdkafka-{TOPIC}",
        "linger.ms": 0,
        "reconnect.backoff.max.ms": 500,
    })
    retrying(lambda: producer.init_transactions(CALL_TIMEOUT_S))
    print("READY", flush=True)
    for transaction in transactions:
        stage = "sending"
        try:
            producer.begin_transaction()
            for record in transaction["records"]:
                producer.produce(TOPIC, key=f"t{transaction['index']}", value=value_of(transaction, record), partition=record[0])
            producer.flush(CALL_TIMEOUT_S)
            if transaction["commit"]:
                stage = "committing"
                retrying(lambda: producer.commit_transaction(CALL_TIMEOUT_S))
                transaction["outcome"] = "committed"
            else:
                stage = "aborting"
                retrying(lambda: producer.abort_transaction(CALL_TIMEOUT_S))
                transaction["outcome"] = "aborted"
        except KafkaException as error:
            kafka_error = error.args[0]
            if kafka_error.fatal() or not kafka_error.txn_requires_abort():
                raise
            # Abortable: abort, as librdkafka documents. A failed commit ends in doubt (the
            # coordinator may have committed before the error); anything earlier ends aborted.
            retrying(lambda: producer.abort_transaction(CALL_TIMEOUT_S))
            transaction["outcome"] = "in-doubt" if stage == "committing" else "aborted-after-error"
            print(f"# transaction {transaction['index']} failed while {stage}: {kafka_error}", flush=True)
        print(f"DONE {transaction['index']} {transaction['outcome']}", flush=True)
    producer.flush(CALL_TIMEOUT_S)


def verify(transactions):
    await_stable()
    records = read_committed()
    shown = {}
    duplicates = []
    for partition, items in records.items():
        for offset, value in items:
            if value in shown:
                duplicates.append(value)
            shown[value] = (partition, offset)

    def whole_or_nothing():
        half = []
        for transaction in transactions:
            count = sum(1 for record in transaction["records"] if value_of(transaction, record) in shown)
            transaction["visible"] = count == len(transaction["records"])
            if count not in (0, len(transaction["records"])):
                half.append(f"t{transaction['index']} ({transaction['outcome']}) shows {count} of {len(transaction['records'])}")
        check(not half, f"{len(half)} half-visible transaction(s): {half[:5]}")

    step("read_committed shows every transaction whole or not at all", whole_or_nothing)

    def outcomes():
        wrong = []
        for transaction in transactions:
            if transaction["outcome"] == "committed" and not transaction["visible"]:
                wrong.append(f"committed t{transaction['index']} not visible")
            if transaction["outcome"] in ("aborted", "aborted-after-error") and any(value_of(transaction, record) in shown for record in transaction["records"]):
                wrong.append(f"{transaction['outcome']} t{transaction['index']} visible")
        check(not wrong, f"{len(wrong)} wrong: {wrong[:5]}")

    step("read_committed shows every committed transaction and no aborted one", outcomes)

    def order():
        check(not duplicates, f"records seen twice: {duplicates[:5]}")
        for partition in range(PARTITIONS):
            expected = [value_of(transaction, record) for transaction in transactions if transaction["visible"] for record in transaction["records"] if record[0] == partition]
            seen = [value for _, value in records[partition]]
            check(seen == expected, f"partition {partition}: read {len(seen)} records, expected {len(expected)}; first read {seen[:3]}, expected {expected[:3]}")

    step("read_committed shows each committed record once, in send order", order)

    counts = {}
    for transaction in transactions:
        counts[transaction["outcome"]] = counts.get(transaction["outcome"], 0) + 1
    print(f"# outcomes {counts}", flush=True)
    step("the run both committed and aborted transactions", lambda: check(counts.get("committed", 0) > 0 and counts.get("aborted", 0) > 0, str(counts)))


transactions = plan_transactions()
try:
    run(transactions)
except KafkaException as error:
    print(f"FAIL the producer runs every transaction: {error.args[0]} (fatal: {error.args[0].fatal()})", flush=True)
    sys.exit(1)
verify(transactions)
steps.finish()
