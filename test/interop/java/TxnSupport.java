// Helpers shared by the transaction checks (TxnJavaCheck, TxnWorkload): PASS/FAIL step reporting,
// client factories, reading partitions to their end under either isolation level, and waiting for
// a partition to become stable (its last stable offset caught up with its high watermark).
import java.time.Duration;
import java.util.*;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public final class TxnSupport {
  private TxnSupport() {}

  static final class Mismatch extends RuntimeException {
    Mismatch(String message) {
      super(message);
    }
  }

  interface Step {
    void run() throws Exception;
  }

  static int failedSteps = 0;

  static void check(boolean condition, String message) {
    if (!condition) throw new Mismatch(message);
  }

  static void equal(Object expected, Object actual, String what) {
    if (!Objects.equals(expected, actual)) throw new Mismatch(what + ": expected " + expected + ", got " + actual);
  }

  /** Runs one step and prints PASS or FAIL (with the cause chain); a failure does not stop later steps. */
  static void step(String name, Step body) {
    try {
      body.run();
      System.out.println("PASS " + name);
    } catch (Throwable error) {
      failedSteps++;
      StringBuilder message = new StringBuilder(String.valueOf(error));
      for (Throwable cause = error.getCause(); cause != null; cause = cause.getCause()) message.append(" <- ").append(cause);
      System.out.println("FAIL " + name + ": " + message.toString().replace('\n', ' '));
      error.printStackTrace();
    }
    System.out.flush();
  }

  static void finish() {
    if (failedSteps > 0) {
      System.out.println(failedSteps + " step(s) failed");
      System.out.flush();
      System.exit(1);
    }
    System.out.println("ALL PASSED");
    System.out.flush();
    System.exit(0);
  }

  static void log(String line) {
    System.out.println(line);
    System.out.flush();
  }

  /** True when `type` is `error` or any of its causes. */
  static boolean causedBy(Throwable error, Class<? extends Throwable> type) {
    for (Throwable cause = error; cause != null; cause = cause.getCause()) {
      if (type.isInstance(cause)) return true;
    }
    return false;
  }

  static Admin admin(String bootstrap) {
    Properties properties = new Properties();
    properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 120_000);
    properties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    properties.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
    return Admin.create(properties);
  }

  static void createTopic(Admin admin, String topic, int partitions) throws Exception {
    try {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
    } catch (ExecutionException error) {
      if (!(error.getCause() instanceof TopicExistsException)) throw error;
    }
  }

  static List<TopicPartition> partitions(String topic, int count) {
    List<TopicPartition> list = new ArrayList<>();
    for (int index = 0; index < count; index++) list.add(new TopicPartition(topic, index));
    return list;
  }

  static Properties producerProperties(String bootstrap) {
    Properties properties = new Properties();
    properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    properties.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    properties.put(ProducerConfig.RECONNECT_BACKOFF_MS_CONFIG, 50);
    properties.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
    properties.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 50);
    return properties;
  }

  static KafkaProducer<String, String> transactionalProducer(String bootstrap, String transactionalId, Map<String, Object> extra) {
    Properties properties = producerProperties(bootstrap);
    properties.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    properties.putAll(extra);
    return new KafkaProducer<>(properties);
  }

  static KafkaConsumer<String, String> consumer(String bootstrap, IsolationLevel isolation, Map<String, Object> extra) {
    Properties properties = new Properties();
    properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation.toString());
    properties.put(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
    properties.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 60_000);
    properties.putAll(extra);
    return new KafkaConsumer<>(properties);
  }

  /** Latest offsets as the broker answers ListOffsets under an isolation level (read_committed: the LSO). */
  static Map<TopicPartition, Long> endOffsets(Admin admin, Collection<TopicPartition> partitions, IsolationLevel isolation) throws Exception {
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    for (TopicPartition partition : partitions) request.put(partition, OffsetSpec.latest());
    Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> answer = admin.listOffsets(request, new ListOffsetsOptions(isolation)).all().get();
    Map<TopicPartition, Long> offsets = new TreeMap<>(Comparator.comparing(TopicPartition::toString));
    for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> entry : answer.entrySet()) offsets.put(entry.getKey(), entry.getValue().offset());
    return offsets;
  }

  /**
   * Waits until every partition's last stable offset equals its high watermark (no transaction open
   * in it, every marker written) and returns the high watermarks.
   */
  static Map<TopicPartition, Long> awaitStable(Admin admin, Collection<TopicPartition> partitions, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<TopicPartition, Long> committed = Map.of();
    Map<TopicPartition, Long> uncommitted = Map.of();
    while (System.nanoTime() < deadline) {
      try {
        uncommitted = endOffsets(admin, partitions, IsolationLevel.READ_UNCOMMITTED);
        committed = endOffsets(admin, partitions, IsolationLevel.READ_COMMITTED);
        if (committed.equals(uncommitted)) return uncommitted;
      } catch (ExecutionException error) {
        // A broker restarting: ask again.
      }
      Thread.sleep(100);
    }
    throw new Mismatch("partitions did not become stable within " + timeout + ": read_committed end offsets " + committed + ", read_uncommitted " + uncommitted);
  }

  /**
   * Reads the partitions from the beginning with a fresh assigned consumer until its position reaches
   * `ends` in each, and returns the records per partition in the order read.
   */
  static Map<TopicPartition, List<ConsumerRecord<String, String>>> readAll(
      String bootstrap, Collection<TopicPartition> partitions, IsolationLevel isolation, Map<TopicPartition, Long> ends, Duration timeout) {
    Map<TopicPartition, List<ConsumerRecord<String, String>>> records = new HashMap<>();
    for (TopicPartition partition : partitions) records.put(partition, new ArrayList<>());
    try (KafkaConsumer<String, String> consumer = consumer(bootstrap, isolation, Map.of())) {
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        boolean done = true;
        for (TopicPartition partition : partitions) {
          if (consumer.position(partition) < ends.get(partition)) done = false;
        }
        if (done) break;
        check(System.nanoTime() < deadline, isolation + " consumer did not reach " + ends + " within " + timeout + "; positions " + positions(consumer, partitions));
        ConsumerRecords<String, String> batch = consumer.poll(Duration.ofMillis(200));
        for (ConsumerRecord<String, String> record : batch) records.get(new TopicPartition(record.topic(), record.partition())).add(record);
      }
    }
    return records;
  }

  static Map<TopicPartition, Long> positions(KafkaConsumer<String, String> consumer, Collection<TopicPartition> partitions) {
    Map<TopicPartition, Long> positions = new TreeMap<>(Comparator.comparing(TopicPartition::toString));
    for (TopicPartition partition : partitions) positions.put(partition, consumer.position(partition));
    return positions;
  }

  static List<String> values(List<ConsumerRecord<String, String>> records) {
    List<String> values = new ArrayList<>();
    for (ConsumerRecord<String, String> record : records) values.add(record.value());
    return values;
  }

  static List<Long> offsets(List<ConsumerRecord<String, String>> records) {
    List<Long> offsets = new ArrayList<>();
    for (ConsumerRecord<String, String> record : records) offsets.add(record.offset());
    return offsets;
  }
}
