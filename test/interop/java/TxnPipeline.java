// An exactly-once consume-transform-produce pipeline that rides through broker restarts, then checks
// that its output holds every input record exactly once.
//
// The input topic is filled first (an idempotent producer, <records> records "in-<i>" round-robin
// over the partitions). Then a read_committed consumer in group "pipeline" and a transactional
// producer copy it batch by batch to the output topic ("out-in-<i>", same partition), each batch one
// transaction with the consumer's offsets (sendOffsetsToTransaction). When a call fails, the
// transaction is aborted (or, after a fatal error, the producer replaced by a new one with the same
// transactional.id) and the consumer rewinds to the group's committed offsets, as an exactly-once
// application does. Every seventh batch is aborted on purpose and redone the same way. It stops
// when the group's committed offsets reach the input's end.
//
// Usage: java TxnPipeline <bootstrap> <input topic> <output topic> <partitions> <records>
// Prints "COMMITTED <n>" after each committed batch (n: input records committed so far, counting
// repeats after failures), "FAILED <error>" per failed batch, then PASS/FAIL lines and "ALL PASSED".
import java.time.Duration;
import java.util.*;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;

public class TxnPipeline {
  static final String GROUP = "pipeline";
  static final Duration DEADLINE = Duration.ofSeconds(240);

  static Map<String, Object> producerSettings() {
    return Map.of(
        ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 60_000,
        ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000,
        ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
  }

  public static void main(String[] arguments) throws Exception {
    String bootstrap = arguments[0];
    String input = arguments[1];
    String output = arguments[2];
    int partitionCount = Integer.parseInt(arguments[3]);
    int recordCount = Integer.parseInt(arguments[4]);
    List<TopicPartition> inputs = TxnSupport.partitions(input, partitionCount);
    List<TopicPartition> outputs = TxnSupport.partitions(output, partitionCount);

    try (Admin admin = TxnSupport.admin(bootstrap)) {
      TxnSupport.createTopic(admin, input, partitionCount);
      TxnSupport.createTopic(admin, output, partitionCount);
      try (KafkaProducer<String, String> plain = new KafkaProducer<>(TxnSupport.producerProperties(bootstrap))) {
        for (int index = 0; index < recordCount; index++) plain.send(new ProducerRecord<>(input, index % partitionCount, "k" + index, "in-" + index));
        plain.flush();
      }
      Map<TopicPartition, Long> inputEnds = TxnSupport.endOffsets(admin, inputs, IsolationLevel.READ_UNCOMMITTED);
      TxnSupport.log("READY");

      KafkaConsumer<String, String> consumer = TxnSupport.consumer(bootstrap, IsolationLevel.READ_COMMITTED, Map.of(
          ConsumerConfig.GROUP_ID_CONFIG, GROUP,
          ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 20,
          ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000,
          ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 1_000,
          ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000));
      consumer.subscribe(List.of(input));
      KafkaProducer<String, String> producer = newProducer(bootstrap);
      long committedRecords = 0;
      long batchNumber = 0;
      long abortedBatches = 0;
      long deadline = System.nanoTime() + DEADLINE.toNanos();
      while (true) {
        if (System.nanoTime() > deadline) {
          TxnSupport.step("the pipeline copies the input within " + DEADLINE, () -> {
            throw new TxnSupport.Mismatch("the group's committed offsets are " + committedOffsets(admin, inputs) + ", the input ends at " + inputEnds);
          });
          TxnSupport.finish();
        }
        ConsumerRecords<String, String> batch;
        try {
          batch = consumer.poll(Duration.ofMillis(200));
        } catch (KafkaException error) {
          TxnSupport.log("FAILED poll " + String.valueOf(error).replace('\n', ' '));
          continue;
        }
        if (batch.isEmpty()) {
          if (done(admin, inputs, inputEnds)) break;
          continue;
        }
        try {
          producer.beginTransaction();
          Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
          for (ConsumerRecord<String, String> record : batch) {
            producer.send(new ProducerRecord<>(output, record.partition(), record.key(), "out-" + record.value()));
            offsets.put(new TopicPartition(record.topic(), record.partition()), new OffsetAndMetadata(record.offset() + 1));
          }
          producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
          batchNumber++;
          if (batchNumber % 7 == 3) {
            // Every seventh batch is aborted on purpose and redone: its offsets must not reach the
            // group (else the rewind would skip its records) nor its records the output.
            producer.flush();
            producer.abortTransaction();
            abortedBatches++;
            rewind(consumer);
            continue;
          }
          producer.commitTransaction();
          committedRecords += batch.count();
          TxnSupport.log("COMMITTED " + committedRecords);
        } catch (KafkaException error) {
          TxnSupport.log("FAILED " + String.valueOf(error).replace('\n', ' '));
          boolean fatal = TxnSupport.causedBy(error, ProducerFencedException.class) || TxnSupport.causedBy(error, OutOfOrderSequenceException.class)
              || TxnSupport.causedBy(error, AuthorizationException.class);
          boolean aborted = false;
          if (!fatal) {
            try {
              producer.abortTransaction();
              aborted = true;
            } catch (KafkaException abortError) {
              TxnSupport.log("FAILED abort " + String.valueOf(abortError).replace('\n', ' '));
            }
          }
          if (!aborted) {
            producer.close(Duration.ZERO);
            producer = newProducer(bootstrap);
          }
          rewind(consumer);
        }
      }
      producer.close(Duration.ofSeconds(5));
      consumer.close();
      TxnSupport.log("# committed " + committedRecords + " input records in transactions (repeats after failures included); aborted " + abortedBatches + " batches on purpose");
      check(admin, bootstrap, outputs, partitionCount, recordCount);
    }
    TxnSupport.finish();
  }

  static KafkaProducer<String, String> newProducer(String bootstrap) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(150).toNanos();
    while (true) {
      KafkaProducer<String, String> producer = TxnSupport.transactionalProducer(bootstrap, "pipeline", producerSettings());
      try {
        producer.initTransactions();
        return producer;
      } catch (KafkaException error) {
        producer.close(Duration.ZERO);
        TxnSupport.log("FAILED initTransactions " + String.valueOf(error).replace('\n', ' '));
        if (System.nanoTime() > deadline) throw error;
        Thread.sleep(200);
      }
    }
  }

  /** Moves the consumer back to the group's committed offsets (the start for partitions without one). */
  static void rewind(KafkaConsumer<String, String> consumer) {
    while (true) {
      try {
        Set<TopicPartition> assignment = consumer.assignment();
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(assignment, Duration.ofSeconds(30));
        for (TopicPartition partition : assignment) {
          OffsetAndMetadata offset = committed.get(partition);
          if (offset == null) consumer.seekToBeginning(List.of(partition));
          else consumer.seek(partition, offset.offset());
        }
        return;
      } catch (KafkaException error) {
        TxnSupport.log("FAILED rewind " + String.valueOf(error).replace('\n', ' '));
      }
    }
  }

  static Map<TopicPartition, Long> committedOffsets(Admin admin, List<TopicPartition> inputs) {
    try {
      Map<TopicPartition, OffsetAndMetadata> answer = admin.listConsumerGroupOffsets(GROUP, new ListConsumerGroupOffsetsOptions().requireStable(true))
          .partitionsToOffsetAndMetadata().get();
      Map<TopicPartition, Long> offsets = new HashMap<>();
      for (TopicPartition partition : inputs) {
        OffsetAndMetadata offset = answer.get(partition);
        offsets.put(partition, offset == null ? -1L : offset.offset());
      }
      return offsets;
    } catch (Exception error) {
      return Map.of();
    }
  }

  static boolean done(Admin admin, List<TopicPartition> inputs, Map<TopicPartition, Long> inputEnds) {
    return committedOffsets(admin, inputs).equals(inputEnds);
  }

  static void check(Admin admin, String bootstrap, List<TopicPartition> outputs, int partitionCount, int recordCount) throws Exception {
    Map<TopicPartition, Long> ends = TxnSupport.awaitStable(admin, outputs, Duration.ofSeconds(60));
    Map<TopicPartition, List<ConsumerRecord<String, String>>> read = TxnSupport.readAll(bootstrap, outputs, IsolationLevel.READ_COMMITTED, ends, Duration.ofSeconds(60));
    TxnSupport.step("the output holds every input record exactly once, in input order per partition (read_committed)", () -> {
      for (TopicPartition partition : outputs) {
        List<String> expected = new ArrayList<>();
        for (int index = partition.partition(); index < recordCount; index += partitionCount) expected.add("out-in-" + index);
        List<String> seen = TxnSupport.values(read.get(partition));
        if (!expected.equals(seen)) {
          int index = 0;
          while (index < expected.size() && index < seen.size() && expected.get(index).equals(seen.get(index))) index++;
          throw new TxnSupport.Mismatch(partition + ": " + seen.size() + " records, " + expected.size() + " expected; first difference at " + index
              + ": read " + (index < seen.size() ? seen.get(index) : "-") + ", expected " + (index < expected.size() ? expected.get(index) : "-"));
        }
      }
    });
  }
}
