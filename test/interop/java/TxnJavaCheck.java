// Transactions with the Java client 4.1 against a broker, in one JVM run:
//   - a transactional producer commits and aborts across four partitions; read_committed consumers
//     see only the committed records, read_uncommitted ones see every record, at Kafka's offsets
//     (one control record after each transaction in each partition it touched);
//   - an open transaction holds the last stable offset at its first record until it commits;
//   - consume-transform-produce with sendOffsetsToTransaction: the group's committed offsets move
//     with a commit and stay put after an abort;
//   - two producers with one transactional.id: the older is fenced (ProducerFencedException) and its
//     open transaction aborted;
//   - a transaction left open past transaction.timeout.ms is aborted by the broker (the test starts
//     the broker with a short transaction.abort.timed.out.transaction.cleanup.interval.ms);
//   - the Admin client's transaction APIs: describeTransactions, listTransactions and
//     describeProducers on an open and a committed transaction, abortTransaction (WriteTxnMarkers) of
//     a hanging one, fenceProducers.
//
// Usage: java TxnJavaCheck <bootstrap>
// Prints "PASS <step>" or "FAIL <step>: <expected and seen>" per step, then "ALL PASSED" (exit 0).
import java.time.Duration;
import java.util.*;
import org.apache.kafka.clients.admin.AbortTransactionSpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.ProducerFencedException;

public class TxnJavaCheck {
  static final Duration READ_TIMEOUT = Duration.ofSeconds(60);
  static final Duration STABLE_TIMEOUT = Duration.ofSeconds(30);

  public static void main(String[] arguments) throws Exception {
    String bootstrap = arguments[0];
    try (Admin admin = TxnSupport.admin(bootstrap)) {
      commitAndAbort(admin, bootstrap);
      consumeTransformProduce(admin, bootstrap);
      fencing(admin, bootstrap);
      timeout(admin, bootstrap);
      administration(admin, bootstrap);
    }
    TxnSupport.finish();
  }

  static final String BASIC_TOPIC = "txn-basic";
  static final int BASIC_PARTITIONS = 4;
  static final int PER_PARTITION = 10;

  static List<String> basicValues(String transaction, int partition, int count) {
    List<String> values = new ArrayList<>();
    for (int index = 0; index < count; index++) values.add(transaction + "-p" + partition + "-r" + index);
    return values;
  }

  static List<Long> range(long from, int count) {
    List<Long> list = new ArrayList<>();
    for (int index = 0; index < count; index++) list.add(from + index);
    return list;
  }

  static void sendAll(KafkaProducer<String, String> producer, String topic, int partition, List<String> values) {
    for (String value : values) producer.send(new ProducerRecord<>(topic, partition, "k-" + value, value));
  }

  static void commitAndAbort(Admin admin, String bootstrap) throws Exception {
    List<TopicPartition> partitions = TxnSupport.partitions(BASIC_TOPIC, BASIC_PARTITIONS);
    TxnSupport.createTopic(admin, BASIC_TOPIC, BASIC_PARTITIONS);
    KafkaProducer<String, String> producer = TxnSupport.transactionalProducer(bootstrap, "java-basic", Map.of());
    try {
      TxnSupport.step("a transactional producer commits A, aborts B, commits C, each across 4 partitions", () -> {
        producer.initTransactions();
        for (String transaction : List.of("A", "B", "C")) {
          producer.beginTransaction();
          for (int partition = 0; partition < BASIC_PARTITIONS; partition++) sendAll(producer, BASIC_TOPIC, partition, basicValues(transaction, partition, PER_PARTITION));
          producer.flush(); // the aborted records are in the log, not just dropped from the client's buffer
          if (transaction.equals("B")) producer.abortTransaction();
          else producer.commitTransaction();
        }
      });
      TxnSupport.step("after commit A, abort B, commit C every partition ends at 33 (30 records, 3 markers) and becomes stable", () -> {
        Map<TopicPartition, Long> ends = TxnSupport.awaitStable(admin, partitions, STABLE_TIMEOUT);
        for (TopicPartition partition : partitions) TxnSupport.equal(33L, ends.get(partition), "end offset of " + partition);
      });
      TxnSupport.step("read_committed consumers see A and C (offsets 0-9 and 22-31) and none of B in every partition", () -> {
        Map<TopicPartition, Long> ends = TxnSupport.endOffsets(admin, partitions, IsolationLevel.READ_COMMITTED);
        Map<TopicPartition, List<ConsumerRecord<String, String>>> read = TxnSupport.readAll(bootstrap, partitions, IsolationLevel.READ_COMMITTED, ends, READ_TIMEOUT);
        for (TopicPartition partition : partitions) {
          List<String> expected = new ArrayList<>(basicValues("A", partition.partition(), PER_PARTITION));
          expected.addAll(basicValues("C", partition.partition(), PER_PARTITION));
          List<Long> expectedOffsets = new ArrayList<>(range(0, PER_PARTITION));
          expectedOffsets.addAll(range(22, PER_PARTITION));
          TxnSupport.equal(expected, TxnSupport.values(read.get(partition)), "read_committed values of " + partition);
          TxnSupport.equal(expectedOffsets, TxnSupport.offsets(read.get(partition)), "read_committed offsets of " + partition);
        }
      });
      TxnSupport.step("read_uncommitted consumers see A, B and C (offsets 0-9, 11-20, 22-31) in every partition", () -> {
        Map<TopicPartition, Long> ends = TxnSupport.endOffsets(admin, partitions, IsolationLevel.READ_UNCOMMITTED);
        Map<TopicPartition, List<ConsumerRecord<String, String>>> read = TxnSupport.readAll(bootstrap, partitions, IsolationLevel.READ_UNCOMMITTED, ends, READ_TIMEOUT);
        for (TopicPartition partition : partitions) {
          List<String> expected = new ArrayList<>();
          List<Long> expectedOffsets = new ArrayList<>();
          long base = 0;
          for (String transaction : List.of("A", "B", "C")) {
            expected.addAll(basicValues(transaction, partition.partition(), PER_PARTITION));
            expectedOffsets.addAll(range(base, PER_PARTITION));
            base += PER_PARTITION + 1;
          }
          TxnSupport.equal(expected, TxnSupport.values(read.get(partition)), "read_uncommitted values of " + partition);
          TxnSupport.equal(expectedOffsets, TxnSupport.offsets(read.get(partition)), "read_uncommitted offsets of " + partition);
        }
      });
      TxnSupport.step("an open transaction holds the last stable offset at its first record (33) while the high watermark moves to 38", () -> {
        producer.beginTransaction();
        for (int partition = 0; partition < BASIC_PARTITIONS; partition++) sendAll(producer, BASIC_TOPIC, partition, basicValues("D", partition, 5));
        producer.flush();
        Map<TopicPartition, Long> committed = TxnSupport.endOffsets(admin, partitions, IsolationLevel.READ_COMMITTED);
        Map<TopicPartition, Long> uncommitted = TxnSupport.endOffsets(admin, partitions, IsolationLevel.READ_UNCOMMITTED);
        for (TopicPartition partition : partitions) {
          TxnSupport.equal(33L, committed.get(partition), "read_committed end offset (LSO) of " + partition + " with D open");
          TxnSupport.equal(38L, uncommitted.get(partition), "read_uncommitted end offset of " + partition + " with D open");
        }
        // A read_committed consumer polling now gets nothing of D.
        try (KafkaConsumer<String, String> consumer = TxnSupport.consumer(bootstrap, IsolationLevel.READ_COMMITTED, Map.of())) {
          consumer.assign(partitions);
          for (TopicPartition partition : partitions) consumer.seek(partition, 33);
          long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
          while (System.nanoTime() < deadline) {
            ConsumerRecords<String, String> batch = consumer.poll(Duration.ofMillis(200));
            if (!batch.isEmpty()) throw new TxnSupport.Mismatch("read_committed consumer got " + batch.count() + " records of the open transaction D, first " + batch.iterator().next().value());
          }
          for (TopicPartition partition : partitions) TxnSupport.equal(33L, consumer.position(partition), "read_committed position of " + partition + " with D open");
        }
      });
      TxnSupport.step("after D commits read_committed consumers see its records at 33-37", () -> {
        producer.commitTransaction();
        Map<TopicPartition, Long> ends = TxnSupport.awaitStable(admin, partitions, STABLE_TIMEOUT);
        Map<TopicPartition, List<ConsumerRecord<String, String>>> read = TxnSupport.readAll(bootstrap, partitions, IsolationLevel.READ_COMMITTED, ends, READ_TIMEOUT);
        for (TopicPartition partition : partitions) {
          List<ConsumerRecord<String, String>> records = read.get(partition);
          TxnSupport.equal(25, records.size(), "read_committed records of " + partition);
          List<ConsumerRecord<String, String>> last = records.subList(20, 25);
          TxnSupport.equal(basicValues("D", partition.partition(), 5), TxnSupport.values(last), "D's values in " + partition);
          TxnSupport.equal(range(33, 5), TxnSupport.offsets(last), "D's offsets in " + partition);
        }
      });
    } finally {
      producer.close(Duration.ofSeconds(5));
    }
  }

  static final String CTP_IN = "ctp-in";
  static final String CTP_OUT = "ctp-out";
  static final String CTP_GROUP = "ctp-group";

  /** The group's committed offsets, asked with requireStable (so never while a transaction's offsets are pending). */
  static Map<Integer, Long> groupOffsets(Admin admin) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> answer = admin
        .listConsumerGroupOffsets(CTP_GROUP, new ListConsumerGroupOffsetsOptions().requireStable(true))
        .partitionsToOffsetAndMetadata()
        .get();
    Map<Integer, Long> offsets = new TreeMap<>();
    for (Map.Entry<TopicPartition, OffsetAndMetadata> entry : answer.entrySet()) {
      if (entry.getKey().topic().equals(CTP_IN) && entry.getValue() != null) offsets.put(entry.getKey().partition(), entry.getValue().offset());
    }
    return offsets;
  }

  static Map<Integer, Long> awaitGroupOffsets(Admin admin, Map<Integer, Long> expected) throws Exception {
    long deadline = System.nanoTime() + STABLE_TIMEOUT.toNanos();
    Map<Integer, Long> seen = Map.of();
    while (System.nanoTime() < deadline) {
      seen = groupOffsets(admin);
      if (seen.equals(expected)) return seen;
      Thread.sleep(100);
    }
    throw new TxnSupport.Mismatch("the group's committed offsets: expected " + expected + ", got " + seen);
  }

  /** Polls until `count` records arrived, transforms them in one transaction each poll, and commits or aborts. */
  static int transformBatch(KafkaConsumer<String, String> consumer, KafkaProducer<String, String> producer, boolean commit) {
    ConsumerRecords<String, String> batch = consumer.poll(Duration.ofMillis(200));
    if (batch.isEmpty()) return 0;
    producer.beginTransaction();
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (ConsumerRecord<String, String> record : batch) {
      producer.send(new ProducerRecord<>(CTP_OUT, record.partition(), record.key(), record.value().toUpperCase(Locale.ROOT)));
      offsets.put(new TopicPartition(record.topic(), record.partition()), new OffsetAndMetadata(record.offset() + 1));
    }
    producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
    producer.flush();
    if (commit) producer.commitTransaction();
    else producer.abortTransaction();
    return batch.count();
  }

  static void consumeTransformProduce(Admin admin, String bootstrap) throws Exception {
    TxnSupport.createTopic(admin, CTP_IN, 2);
    TxnSupport.createTopic(admin, CTP_OUT, 2);
    List<TopicPartition> outputs = TxnSupport.partitions(CTP_OUT, 2);
    try (KafkaProducer<String, String> plain = new KafkaProducer<>(TxnSupport.producerProperties(bootstrap))) {
      for (int partition = 0; partition < 2; partition++) {
        for (int index = 0; index < 20; index++) plain.send(new ProducerRecord<>(CTP_IN, partition, "in-" + partition + "-" + index, "value-" + partition + "-" + index));
      }
      plain.flush();
    }
    KafkaConsumer<String, String> consumer = TxnSupport.consumer(bootstrap, IsolationLevel.READ_COMMITTED, Map.of(
        org.apache.kafka.clients.consumer.ConsumerConfig.GROUP_ID_CONFIG, CTP_GROUP,
        org.apache.kafka.clients.consumer.ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 7));
    KafkaProducer<String, String> producer = TxnSupport.transactionalProducer(bootstrap, "java-ctp", Map.of());
    try {
      consumer.subscribe(List.of(CTP_IN));
      producer.initTransactions();
      TxnSupport.step("consume-transform-produce commits 40 records in transactions with sendOffsetsToTransaction; the group's offsets are then 20 and 20", () -> {
        int processed = 0;
        long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
        while (processed < 40) {
          TxnSupport.check(System.nanoTime() < deadline, "processed " + processed + " of 40 input records");
          processed += transformBatch(consumer, producer, true);
        }
        awaitGroupOffsets(admin, Map.of(0, 20L, 1, 20L));
      });
      TxnSupport.step("the transformed records are visible to read_committed consumers, in input order", () -> {
        Map<TopicPartition, Long> ends = TxnSupport.awaitStable(admin, outputs, STABLE_TIMEOUT);
        Map<TopicPartition, List<ConsumerRecord<String, String>>> read = TxnSupport.readAll(bootstrap, outputs, IsolationLevel.READ_COMMITTED, ends, READ_TIMEOUT);
        for (TopicPartition partition : outputs) {
          List<String> expected = new ArrayList<>();
          for (int index = 0; index < 20; index++) expected.add(("value-" + partition.partition() + "-" + index).toUpperCase(Locale.ROOT));
          TxnSupport.equal(expected, TxnSupport.values(read.get(partition)), "read_committed values of " + partition);
        }
      });
      TxnSupport.step("an aborted consume-transform-produce transaction leaves the group's offsets at 20 and its output invisible to read_committed", () -> {
        try (KafkaProducer<String, String> plain = new KafkaProducer<>(TxnSupport.producerProperties(bootstrap))) {
          for (int index = 20; index < 25; index++) plain.send(new ProducerRecord<>(CTP_IN, 0, "in-0-" + index, "value-0-" + index));
          plain.flush();
        }
        int processed = 0;
        long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
        while (processed < 5) {
          TxnSupport.check(System.nanoTime() < deadline, "processed " + processed + " of 5 more input records");
          processed += transformBatch(consumer, producer, false);
        }
        Map<TopicPartition, Long> ends = TxnSupport.awaitStable(admin, outputs, STABLE_TIMEOUT);
        TxnSupport.equal(Map.of(0, 20L, 1, 20L), groupOffsets(admin), "the group's committed offsets after the abort");
        Map<TopicPartition, List<ConsumerRecord<String, String>>> committed = TxnSupport.readAll(bootstrap, outputs, IsolationLevel.READ_COMMITTED, ends, READ_TIMEOUT);
        TxnSupport.equal(20, committed.get(outputs.get(0)).size(), "read_committed records of " + outputs.get(0) + " after the abort");
        Map<TopicPartition, List<ConsumerRecord<String, String>>> everything = TxnSupport.readAll(bootstrap, outputs, IsolationLevel.READ_UNCOMMITTED, ends, READ_TIMEOUT);
        TxnSupport.equal(25, everything.get(outputs.get(0)).size(), "read_uncommitted records of " + outputs.get(0) + " (the aborted 5 are in the log)");
      });
      TxnSupport.step("reprocessing from the committed offset and committing moves the group to 25 and shows the 5 records once", () -> {
        consumer.seek(new TopicPartition(CTP_IN, 0), 20);
        int processed = 0;
        long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
        while (processed < 5) {
          TxnSupport.check(System.nanoTime() < deadline, "reprocessed " + processed + " of 5 input records");
          processed += transformBatch(consumer, producer, true);
        }
        awaitGroupOffsets(admin, Map.of(0, 25L, 1, 20L));
        Map<TopicPartition, Long> ends = TxnSupport.awaitStable(admin, outputs, STABLE_TIMEOUT);
        List<ConsumerRecord<String, String>> read = TxnSupport.readAll(bootstrap, outputs, IsolationLevel.READ_COMMITTED, ends, READ_TIMEOUT).get(outputs.get(0));
        List<String> expected = new ArrayList<>();
        for (int index = 0; index < 25; index++) expected.add(("value-0-" + index).toUpperCase(Locale.ROOT));
        TxnSupport.equal(expected, TxnSupport.values(read), "read_committed values of " + outputs.get(0));
      });
    } finally {
      producer.close(Duration.ofSeconds(5));
      consumer.close();
    }
  }

  static final String FENCE_TOPIC = "txn-fence";

  static void fencing(Admin admin, String bootstrap) throws Exception {
    TxnSupport.createTopic(admin, FENCE_TOPIC, 1);
    List<TopicPartition> partitions = TxnSupport.partitions(FENCE_TOPIC, 1);
    KafkaProducer<String, String> older = TxnSupport.transactionalProducer(bootstrap, "java-fence", Map.of());
    KafkaProducer<String, String> newer = TxnSupport.transactionalProducer(bootstrap, "java-fence", Map.of());
    try {
      TxnSupport.step("a second producer with the same transactional.id fences the first: its commit throws ProducerFencedException", () -> {
        older.initTransactions();
        older.beginTransaction();
        older.send(new ProducerRecord<>(FENCE_TOPIC, 0, "older", "older-1")).get();
        newer.initTransactions();
        newer.beginTransaction();
        newer.send(new ProducerRecord<>(FENCE_TOPIC, 0, "newer", "newer-1"));
        newer.commitTransaction();
        try {
          older.commitTransaction();
          throw new TxnSupport.Mismatch("the fenced producer's commitTransaction returned normally");
        } catch (org.apache.kafka.common.KafkaException error) {
          if (!TxnSupport.causedBy(error, ProducerFencedException.class)) throw new TxnSupport.Mismatch("expected ProducerFencedException, got " + error);
        }
      });
      TxnSupport.step("the fenced producer's open transaction is aborted: read_committed sees only the newer producer's record", () -> {
        Map<TopicPartition, Long> ends = TxnSupport.awaitStable(admin, partitions, STABLE_TIMEOUT);
        List<ConsumerRecord<String, String>> committed = TxnSupport.readAll(bootstrap, partitions, IsolationLevel.READ_COMMITTED, ends, READ_TIMEOUT).get(partitions.get(0));
        TxnSupport.equal(List.of("newer-1"), TxnSupport.values(committed), "read_committed values");
        List<ConsumerRecord<String, String>> everything = TxnSupport.readAll(bootstrap, partitions, IsolationLevel.READ_UNCOMMITTED, ends, READ_TIMEOUT).get(partitions.get(0));
        TxnSupport.equal(List.of("older-1", "newer-1"), TxnSupport.values(everything), "read_uncommitted values");
      });
    } finally {
      older.close(Duration.ZERO);
      newer.close(Duration.ofSeconds(5));
    }
  }

  static final String TIMEOUT_TOPIC = "txn-timeout";
  static final int TRANSACTION_TIMEOUT_MS = 3000;

  static void timeout(Admin admin, String bootstrap) throws Exception {
    TxnSupport.createTopic(admin, TIMEOUT_TOPIC, 1);
    List<TopicPartition> partitions = TxnSupport.partitions(TIMEOUT_TOPIC, 1);
    TopicPartition partition = partitions.get(0);
    KafkaProducer<String, String> producer = TxnSupport.transactionalProducer(bootstrap, "java-timeout", Map.of(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, TRANSACTION_TIMEOUT_MS));
    try {
      TxnSupport.step("a transaction left open past transaction.timeout.ms (3 s) is aborted by the broker: the partition becomes stable with an abort marker", () -> {
        producer.initTransactions();
        producer.beginTransaction();
        for (int index = 0; index < 5; index++) producer.send(new ProducerRecord<>(TIMEOUT_TOPIC, 0, "timeout", "open-" + index));
        producer.flush();
        long flushedAt = System.nanoTime();
        TxnSupport.equal(0L, TxnSupport.endOffsets(admin, partitions, IsolationLevel.READ_COMMITTED).get(partition), "LSO while the transaction is open");
        Map<TopicPartition, Long> ends = TxnSupport.awaitStable(admin, partitions, Duration.ofMillis(TRANSACTION_TIMEOUT_MS + 30_000));
        long waitedMs = (System.nanoTime() - flushedAt) / 1_000_000;
        TxnSupport.equal(6L, ends.get(partition), "end offset after the broker's abort (5 records and a marker)");
        TxnSupport.check(waitedMs >= TRANSACTION_TIMEOUT_MS - 1000, "the broker ended the transaction " + waitedMs + " ms after the last send, before its " + TRANSACTION_TIMEOUT_MS + " ms timeout");
        TxnSupport.log("# the broker aborted the timed-out transaction " + waitedMs + " ms after its records were written");
        TxnSupport.equal(List.of(), TxnSupport.values(TxnSupport.readAll(bootstrap, partitions, IsolationLevel.READ_COMMITTED, ends, READ_TIMEOUT).get(partition)), "read_committed values");
        TxnSupport.equal(5, TxnSupport.readAll(bootstrap, partitions, IsolationLevel.READ_UNCOMMITTED, ends, READ_TIMEOUT).get(partition).size(), "read_uncommitted records");
      });
      TxnSupport.step("committing the timed-out transaction fails, and a new producer with the same transactional.id commits", () -> {
        try {
          producer.commitTransaction();
          throw new TxnSupport.Mismatch("commitTransaction of the timed-out transaction returned normally");
        } catch (org.apache.kafka.common.KafkaException error) {
          // Transaction version 1 (fjord, Kafka formatted at TV1): the abort bumped the epoch, so the
          // producer is fenced. Kafka at its default TV2 answers the stale commit INVALID_TXN_STATE.
          if (!TxnSupport.causedBy(error, ProducerFencedException.class) && !TxnSupport.causedBy(error, InvalidTxnStateException.class)) {
            throw new TxnSupport.Mismatch("expected ProducerFencedException (TV1) or InvalidTxnStateException (TV2), got " + error);
          }
          TxnSupport.log("# commitTransaction after the timeout threw " + error);
        }
        try (KafkaProducer<String, String> next = TxnSupport.transactionalProducer(bootstrap, "java-timeout", Map.of(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, TRANSACTION_TIMEOUT_MS))) {
          next.initTransactions();
          next.beginTransaction();
          next.send(new ProducerRecord<>(TIMEOUT_TOPIC, 0, "timeout", "after-timeout"));
          next.commitTransaction();
        }
        Map<TopicPartition, Long> ends = TxnSupport.awaitStable(admin, partitions, STABLE_TIMEOUT);
        TxnSupport.equal(List.of("after-timeout"), TxnSupport.values(TxnSupport.readAll(bootstrap, partitions, IsolationLevel.READ_COMMITTED, ends, READ_TIMEOUT).get(partition)), "read_committed values");
      });
    } finally {
      producer.close(Duration.ZERO);
    }
  }
  static final String ADMIN_TOPIC = "txn-admin";

  static ProducerState producerIn(Admin admin, TopicPartition partition, long producerId) throws Exception {
    for (ProducerState state : admin.describeProducers(List.of(partition)).partitionResult(partition).get().activeProducers()) {
      if (state.producerId() == producerId) return state;
    }
    return null;
  }

  static void administration(Admin admin, String bootstrap) throws Exception {
    TxnSupport.createTopic(admin, ADMIN_TOPIC, 3);
    List<TopicPartition> partitions = TxnSupport.partitions(ADMIN_TOPIC, 3);
    KafkaProducer<String, String> producer = TxnSupport.transactionalProducer(bootstrap, "java-admin", Map.of());
    KafkaProducer<String, String> hanging = TxnSupport.transactionalProducer(bootstrap, "java-hanging", Map.of());
    KafkaProducer<String, String> fenced = TxnSupport.transactionalProducer(bootstrap, "java-fenced-by-admin", Map.of());
    try {
      long[] producerId = {-1};
      TxnSupport.step("Admin describeTransactions, listTransactions and describeProducers show an open transaction over two partitions", () -> {
        producer.initTransactions();
        producer.beginTransaction();
        for (int partition = 0; partition < 2; partition++) {
          for (int index = 0; index < 3; index++) producer.send(new ProducerRecord<>(ADMIN_TOPIC, partition, "admin", "admin-" + partition + "-" + index));
        }
        producer.flush();
        TransactionDescription description = admin.describeTransactions(List.of("java-admin")).description("java-admin").get();
        TxnSupport.equal(TransactionState.ONGOING, description.state(), "describeTransactions state");
        TxnSupport.equal(Set.of(partitions.get(0), partitions.get(1)), description.topicPartitions(), "describeTransactions partitions");
        TxnSupport.check(description.producerId() >= 0, "describeTransactions producer id " + description.producerId());
        TxnSupport.check(description.transactionStartTimeMs().isPresent(), "describeTransactions start time: " + description);
        producerId[0] = description.producerId();
        boolean listed = false;
        for (TransactionListing listing : admin.listTransactions().all().get()) {
          if (listing.transactionalId().equals("java-admin")) {
            listed = true;
            TxnSupport.equal(TransactionState.ONGOING, listing.state(), "listTransactions state");
            TxnSupport.equal(description.producerId(), listing.producerId(), "listTransactions producer id");
          }
        }
        TxnSupport.check(listed, "listTransactions does not list java-admin");
        ProducerState state = producerIn(admin, partitions.get(0), description.producerId());
        TxnSupport.check(state != null, "describeProducers of " + partitions.get(0) + " lacks producer " + description.producerId());
        TxnSupport.equal(OptionalLong.of(0), state.currentTransactionStartOffset(), "describeProducers current transaction start offset");
        TxnSupport.equal(description.producerEpoch(), state.producerEpoch(), "describeProducers epoch");
        TxnSupport.equal(2, state.lastSequence(), "describeProducers last sequence");
      });
      TxnSupport.step("after the commit describeTransactions says CompleteCommit and describeProducers shows no open transaction", () -> {
        producer.commitTransaction();
        TxnSupport.awaitStable(admin, partitions, STABLE_TIMEOUT);
        long deadline = System.nanoTime() + STABLE_TIMEOUT.toNanos();
        TransactionDescription description;
        while (true) {
          description = admin.describeTransactions(List.of("java-admin")).description("java-admin").get();
          if (description.state() == TransactionState.COMPLETE_COMMIT || System.nanoTime() > deadline) break;
          Thread.sleep(100);
        }
        TxnSupport.equal(TransactionState.COMPLETE_COMMIT, description.state(), "describeTransactions state after the commit");
        TxnSupport.equal(Set.of(), description.topicPartitions(), "describeTransactions partitions after the commit");
        ProducerState state = producerIn(admin, partitions.get(0), producerId[0]);
        TxnSupport.check(state != null, "describeProducers of " + partitions.get(0) + " lacks producer " + producerId[0]);
        TxnSupport.equal(OptionalLong.empty(), state.currentTransactionStartOffset(), "describeProducers current transaction start offset after the commit");
      });
      TxnSupport.step("Admin abortTransaction (WriteTxnMarkers) ends a hanging transaction in its partition", () -> {
        hanging.initTransactions();
        hanging.beginTransaction();
        hanging.send(new ProducerRecord<>(ADMIN_TOPIC, 2, "hanging", "hanging-1"));
        hanging.flush();
        TopicPartition partition = partitions.get(2);
        TxnSupport.equal(0L, TxnSupport.endOffsets(admin, List.of(partition), IsolationLevel.READ_COMMITTED).get(partition), "LSO with the hanging transaction open");
        long hangingId = admin.describeTransactions(List.of("java-hanging")).description("java-hanging").get().producerId();
        ProducerState state = producerIn(admin, partition, hangingId);
        TxnSupport.check(state != null && state.currentTransactionStartOffset().isPresent(), "describeProducers of " + partition + " shows no open transaction of " + hangingId + ": " + state);
        admin.abortTransaction(new AbortTransactionSpec(partition, hangingId, (short) state.producerEpoch(), state.coordinatorEpoch().orElse(0))).all().get();
        Map<TopicPartition, Long> ends = TxnSupport.awaitStable(admin, List.of(partition), STABLE_TIMEOUT);
        TxnSupport.equal(2L, ends.get(partition), "end offset (a record and the abort marker)");
        TxnSupport.equal(List.of(), TxnSupport.values(TxnSupport.readAll(bootstrap, List.of(partition), IsolationLevel.READ_COMMITTED, ends, READ_TIMEOUT).get(partition)), "read_committed values");
      });
      TxnSupport.step("Admin fenceProducers fences a transactional id: its producer's commit throws ProducerFencedException and the transaction is aborted", () -> {
        fenced.initTransactions();
        fenced.beginTransaction();
        fenced.send(new ProducerRecord<>(ADMIN_TOPIC, 1, "fenced", "fenced-1")).get();
        admin.fenceProducers(List.of("java-fenced-by-admin")).all().get();
        try {
          fenced.commitTransaction();
          throw new TxnSupport.Mismatch("commitTransaction after fenceProducers returned normally");
        } catch (org.apache.kafka.common.KafkaException error) {
          if (!TxnSupport.causedBy(error, ProducerFencedException.class)) throw new TxnSupport.Mismatch("expected ProducerFencedException, got " + error);
        }
        TopicPartition partition = partitions.get(1);
        Map<TopicPartition, Long> ends = TxnSupport.awaitStable(admin, List.of(partition), STABLE_TIMEOUT);
        List<String> values = TxnSupport.values(TxnSupport.readAll(bootstrap, List.of(partition), IsolationLevel.READ_COMMITTED, ends, READ_TIMEOUT).get(partition));
        TxnSupport.check(!values.contains("fenced-1"), "read_committed shows the fenced producer's record: " + values);
      });
    } finally {
      producer.close(Duration.ofSeconds(5));
      hanging.close(Duration.ZERO);
      fenced.close(Duration.ZERO);
    }
  }
}
