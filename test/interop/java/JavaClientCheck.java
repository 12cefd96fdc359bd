// Drives the Java client 4.1 (kafka-clients from Maven Central) against a broker in one JVM run:
// AdminClient (describeCluster, createTopics, describeTopics, describeConfigs,
// incrementalAlterConfigs, createPartitions, listOffsets, deleteRecords, deleteTopics), a producer
// with default settings (idempotent, acks=all) and a consumer with assign/seek (no group).
//
// Usage: java JavaClientCheck <bootstrap>
// Prints "PASS <step>" or "FAIL <step>: <what was expected and seen>" per step; a failed step does
// not stop the later ones (they may fail in its wake, each with its own message). Exit 0 (after
// "ALL PASSED") means every step passed.
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.*;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public class JavaClientCheck {
  static final class Mismatch extends RuntimeException {
    Mismatch(String message) {
      super(message);
    }
  }

  interface Step {
    void run() throws Exception;
  }

  static void check(boolean condition, String message) {
    if (!condition) throw new Mismatch(message);
  }

  static void equal(Object expected, Object actual, String what) {
    if (!Objects.equals(expected, actual)) throw new Mismatch(what + ": expected " + expected + ", got " + actual);
  }

  static void step(String name, Step body) {
    try {
      body.run();
      System.out.println("PASS " + name);
      System.out.flush();
    } catch (Throwable error) {
      Throwable cause = error instanceof ExecutionException && error.getCause() != null ? error.getCause() : error;
      System.out.println("FAIL " + name + ": " + (cause instanceof Mismatch ? cause.getMessage() : cause.toString()));
      if (!(cause instanceof Mismatch)) cause.printStackTrace(System.out);
      System.out.flush();
      failedSteps++;
    }
  }

  static int failedSteps = 0;

  /** Runs the future and requires it to fail with the given exception type. */
  static void expectFailure(Future<?> future, Class<? extends Throwable> expected, String what) throws InterruptedException {
    try {
      future.get();
    } catch (ExecutionException error) {
      check(expected.isInstance(error.getCause()), what + ": expected " + expected.getSimpleName() + ", got " + error.getCause());
      return;
    }
    throw new Mismatch(what + ": expected " + expected.getSimpleName() + ", but it succeeded");
  }

  static byte[] bytes(String text) {
    return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
  }

  static String text(byte[] value) {
    return value == null ? null : new String(value, StandardCharsets.UTF_8);
  }

  static final String ADMIN_TOPIC = "java-admin";
  static final String RECORDS_TOPIC = "java-records";
  static final long BASE_TIMESTAMP = 1_700_000_000_000L;
  static final int RECORD_COUNT = 60;
  static final int MAX_TIMESTAMP_INDEX = 37;

  static long timestampOf(int index) {
    return index == MAX_TIMESTAMP_INDEX ? BASE_TIMESTAMP + 10_000_000L : BASE_TIMESTAMP + index * 1000L;
  }

  static String keyOf(int index) {
    return index % 10 == 3 ? null : "key-" + index;
  }

  static String valueOf(int index) {
    return index % 10 == 7 ? null : "value-" + index + "-" + "v".repeat(index % 13);
  }

  static List<Header> headersOf(int index) {
    List<Header> headers = new ArrayList<>();
    if (index % 4 != 0) {
      headers.add(new RecordHeader("trace", bytes("t-" + index)));
      headers.add(new RecordHeader("trace", bytes("repeated-" + index)));
      headers.add(new RecordHeader("null-value", (byte[]) null));
    }
    return headers;
  }

  static ConfigEntry entry(Config config, String name) {
    ConfigEntry found = config.get(name);
    check(found != null, "config " + name + " missing from describeConfigs");
    return found;
  }

  public static void main(String[] arguments) throws Exception {
    String bootstrap = arguments[0];
    Properties adminProperties = new Properties();
    adminProperties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    adminProperties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
    adminProperties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
    try (Admin admin = Admin.create(adminProperties)) {
      run(admin, bootstrap);
    }
    if (failedSteps > 0) System.exit(1);
    System.out.println("ALL PASSED");
  }

  static void run(Admin admin, String bootstrap) throws Exception {
    final int[] nodeId = new int[1];
    final Uuid[] topicId = new Uuid[1];

    step("describeCluster names one node, at the bootstrap address, as controller, with a cluster id", () -> {
      DescribeClusterResult cluster = admin.describeCluster();
      Collection<Node> nodes = cluster.nodes().get();
      equal(1, nodes.size(), "node count");
      Node node = nodes.iterator().next();
      equal(bootstrap, node.host() + ":" + node.port(), "node address");
      Node controller = cluster.controller().get();
      equal(node.id(), controller.id(), "controller id");
      String clusterId = cluster.clusterId().get();
      check(clusterId != null && !clusterId.isEmpty(), "cluster id is empty");
      nodeId[0] = node.id();
    });

    step("createTopics creates a topic with partitions and configs and returns its topic id", () -> {
      NewTopic topic = new NewTopic(ADMIN_TOPIC, 3, (short) 1)
          .configs(Map.of("retention.ms", "3600000", "cleanup.policy", "delete", "segment.bytes", "10485760"));
      CreateTopicsResult result = admin.createTopics(List.of(topic));
      result.all().get();
      equal(3, result.numPartitions(ADMIN_TOPIC).get(), "numPartitions");
      equal(1, result.replicationFactor(ADMIN_TOPIC).get(), "replicationFactor");
      topicId[0] = result.topicId(ADMIN_TOPIC).get();
      check(topicId[0] != null && !Uuid.ZERO_UUID.equals(topicId[0]), "topic id is zero");
      Config config = result.config(ADMIN_TOPIC).get();
      equal("3600000", entry(config, "retention.ms").value(), "retention.ms in the createTopics reply");
    });

    step("createTopics rejects an existing name, an invalid config value, and validate-only creates nothing", () -> {
      expectFailure(admin.createTopics(List.of(new NewTopic(ADMIN_TOPIC, 1, (short) 1))).all(), TopicExistsException.class, "duplicate topic");
      expectFailure(
          admin.createTopics(List.of(new NewTopic("java-bad-config", 1, (short) 1).configs(Map.of("retention.ms", "not-a-number")))).all(),
          InvalidConfigurationException.class,
          "retention.ms=not-a-number");
      admin.createTopics(List.of(new NewTopic("java-validate-only", 2, (short) 1)), new CreateTopicsOptions().validateOnly(true)).all().get();
      Set<String> names = admin.listTopics().names().get();
      check(!names.contains("java-validate-only"), "validate-only created the topic: " + names);
      check(!names.contains("java-bad-config"), "invalid config created the topic: " + names);
      check(names.contains(ADMIN_TOPIC), "listTopics lacks " + ADMIN_TOPIC + ": " + names);
    });

    step("describeTopics returns the topic id and each partition led by the node, replicas and ISR the node", () -> {
      TopicDescription description = admin.describeTopics(List.of(ADMIN_TOPIC)).allTopicNames().get().get(ADMIN_TOPIC);
      equal(topicId[0], description.topicId(), "topic id");
      equal(false, description.isInternal(), "internal");
      equal(3, description.partitions().size(), "partition count");
      for (int index = 0; index < 3; index++) {
        TopicPartitionInfo partition = description.partitions().get(index);
        equal(index, partition.partition(), "partition order");
        equal(nodeId[0], partition.leader().id(), "leader of partition " + index);
        equal(List.of(nodeId[0]), partition.replicas().stream().map(Node::id).toList(), "replicas of partition " + index);
        equal(List.of(nodeId[0]), partition.isr().stream().map(Node::id).toList(), "isr of partition " + index);
      }
    });

    step("describeConfigs reports topic overrides as DYNAMIC_TOPIC_CONFIG, defaults as DEFAULT_CONFIG, and broker configs", () -> {
      ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, ADMIN_TOPIC);
      Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
      ConfigEntry retention = entry(config, "retention.ms");
      equal("3600000", retention.value(), "retention.ms");
      equal(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, retention.source(), "retention.ms source");
      ConfigEntry maxMessage = entry(config, "max.message.bytes");
      equal("1048588", maxMessage.value(), "max.message.bytes default");
      equal(ConfigEntry.ConfigSource.DEFAULT_CONFIG, maxMessage.source(), "max.message.bytes source");
      equal("10485760", entry(config, "segment.bytes").value(), "segment.bytes");

      ConfigResource brokerResource = new ConfigResource(ConfigResource.Type.BROKER, String.valueOf(nodeId[0]));
      Config brokerConfig = admin.describeConfigs(List.of(brokerResource)).all().get().get(brokerResource);
      equal("1", entry(brokerConfig, "num.partitions").value(), "broker num.partitions");
      equal("true", entry(brokerConfig, "auto.create.topics.enable").value(), "broker auto.create.topics.enable");
    });

    step("incrementalAlterConfigs sets and deletes topic configs, rejects bad values and unknown names, and describeConfigs shows the result", () -> {
      ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, ADMIN_TOPIC);
      admin.incrementalAlterConfigs(Map.of(resource, List.of(
          new AlterConfigOp(new ConfigEntry("retention.ms", "7200000"), AlterConfigOp.OpType.SET),
          new AlterConfigOp(new ConfigEntry("max.message.bytes", "2000000"), AlterConfigOp.OpType.SET),
          new AlterConfigOp(new ConfigEntry("segment.bytes", null), AlterConfigOp.OpType.DELETE)))).all().get();
      Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
      equal("7200000", entry(config, "retention.ms").value(), "retention.ms after SET");
      equal("2000000", entry(config, "max.message.bytes").value(), "max.message.bytes after SET");
      equal(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, entry(config, "max.message.bytes").source(), "max.message.bytes source after SET");
      equal("1073741824", entry(config, "segment.bytes").value(), "segment.bytes after DELETE (the default)");
      equal(ConfigEntry.ConfigSource.DEFAULT_CONFIG, entry(config, "segment.bytes").source(), "segment.bytes source after DELETE");

      expectFailure(admin.incrementalAlterConfigs(Map.of(resource, List.of(
          new AlterConfigOp(new ConfigEntry("retention.ms", "soon"), AlterConfigOp.OpType.SET)))).all(),
          InvalidConfigurationException.class, "retention.ms=soon");
      expectFailure(admin.incrementalAlterConfigs(Map.of(resource, List.of(
          new AlterConfigOp(new ConfigEntry("no.such.config", "1"), AlterConfigOp.OpType.SET)))).all(),
          InvalidConfigurationException.class, "unknown config name");
      Config unchanged = admin.describeConfigs(List.of(resource)).all().get().get(resource);
      equal("7200000", entry(unchanged, "retention.ms").value(), "retention.ms after rejected changes");
    });

    step("createPartitions grows the topic to 5 partitions and refuses to shrink it", () -> {
      admin.createPartitions(Map.of(ADMIN_TOPIC, NewPartitions.increaseTo(5))).all().get();
      TopicDescription description = admin.describeTopics(List.of(ADMIN_TOPIC)).allTopicNames().get().get(ADMIN_TOPIC);
      equal(5, description.partitions().size(), "partition count after createPartitions");
      for (TopicPartitionInfo partition : description.partitions()) {
        equal(nodeId[0], partition.leader().id(), "leader of new partition " + partition.partition());
      }
      expectFailure(admin.createPartitions(Map.of(ADMIN_TOPIC, NewPartitions.increaseTo(2))).all(), InvalidPartitionsException.class, "shrink to 2");
    });

    step("createTopics creates the records topic with two partitions", () -> admin.createTopics(List.of(new NewTopic(RECORDS_TOPIC, 2, (short) 1))).all().get());

    final List<RecordMetadata> acknowledged = new ArrayList<>();
    step("a producer with default settings (idempotent, acks=all) gets offsets 0.. and the create times it sent", () -> {
      Properties properties = new Properties();
      properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
      properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
      properties.put(ProducerConfig.LINGER_MS_CONFIG, 5);
      try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(properties)) {
        List<Future<RecordMetadata>> futures = new ArrayList<>();
        for (int index = 0; index < RECORD_COUNT; index++) {
          futures.add(producer.send(new ProducerRecord<>(RECORDS_TOPIC, 0, timestampOf(index), bytes(keyOf(index)), bytes(valueOf(index)), headersOf(index))));
          if (index == RECORD_COUNT / 2) producer.flush(); // at least two batches
        }
        for (int index = 0; index < RECORD_COUNT; index++) {
          RecordMetadata metadata = futures.get(index).get();
          equal(0, metadata.partition(), "partition of record " + index);
          equal((long) index, metadata.offset(), "offset of record " + index);
          equal(timestampOf(index), metadata.timestamp(), "timestamp of record " + index);
          acknowledged.add(metadata);
        }
      }
    });

    step("producers with each codec (gzip, snappy, lz4, zstd) write records a consumer reads back", () -> {
      String[] codecs = {"gzip", "snappy", "lz4", "zstd"};
      Properties properties = new Properties();
      properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
      properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
      properties.put(ProducerConfig.LINGER_MS_CONFIG, 20);
      for (String codec : codecs) {
        properties.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(properties)) {
          for (int index = 0; index < 100; index++) {
            producer.send(new ProducerRecord<>(RECORDS_TOPIC, 1, bytes(codec + "-" + index), bytes(codec.repeat(20) + index)));
          }
          producer.flush();
        }
      }
      try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrap)) {
        TopicPartition partition = new TopicPartition(RECORDS_TOPIC, 1);
        consumer.assign(List.of(partition));
        consumer.seekToBeginning(List.of(partition));
        List<ConsumerRecord<byte[], byte[]>> records = readUntil(consumer, 400);
        for (int codecIndex = 0; codecIndex < codecs.length; codecIndex++) {
          for (int index = 0; index < 100; index++) {
            ConsumerRecord<byte[], byte[]> record = records.get(codecIndex * 100 + index);
            String codec = codecs[codecIndex];
            equal((long) codecIndex * 100 + index, record.offset(), codec + " record offset");
            equal(codec + "-" + index, text(record.key()), codec + " record key");
            equal(codec.repeat(20) + index, text(record.value()), codec + " record value");
          }
        }
      }
    });

    step("a consumer with assign and seek (no group) reads every record back: offset, key, value, headers, timestamp", () -> {
      try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrap)) {
        TopicPartition partition = new TopicPartition(RECORDS_TOPIC, 0);
        consumer.assign(List.of(partition));
        equal(0L, consumer.beginningOffsets(List.of(partition)).get(partition), "beginningOffsets");
        equal((long) RECORD_COUNT, consumer.endOffsets(List.of(partition)).get(partition), "endOffsets");
        consumer.seekToBeginning(List.of(partition));
        List<ConsumerRecord<byte[], byte[]>> records = readUntil(consumer, RECORD_COUNT);
        for (int index = 0; index < RECORD_COUNT; index++) {
          assertRecord(index, records.get(index));
        }
        consumer.seek(partition, 42);
        List<ConsumerRecord<byte[], byte[]>> tail = readUntil(consumer, RECORD_COUNT - 42);
        for (int index = 42; index < RECORD_COUNT; index++) {
          assertRecord(index, tail.get(index - 42));
        }
        Map<TopicPartition, OffsetAndTimestamp> byTime = consumer.offsetsForTimes(Map.of(partition, BASE_TIMESTAMP + 10_500L));
        equal(11L, byTime.get(partition).offset(), "offsetsForTimes(base + 10.5 s)");
        equal(timestampOf(11), byTime.get(partition).timestamp(), "offsetsForTimes timestamp");
      }
    });

    step("listOffsets answers earliest, latest, by timestamp, max timestamp, and -1 after the last timestamp", () -> {
      TopicPartition partition = new TopicPartition(RECORDS_TOPIC, 0);
      equal(0L, admin.listOffsets(Map.of(partition, OffsetSpec.earliest())).partitionResult(partition).get().offset(), "earliest");
      equal((long) RECORD_COUNT, admin.listOffsets(Map.of(partition, OffsetSpec.latest())).partitionResult(partition).get().offset(), "latest");
      ListOffsetsResult.ListOffsetsResultInfo byTime = admin.listOffsets(Map.of(partition, OffsetSpec.forTimestamp(BASE_TIMESTAMP + 20_000L))).partitionResult(partition).get();
      equal(20L, byTime.offset(), "forTimestamp(base + 20 s) offset");
      equal(timestampOf(20), byTime.timestamp(), "forTimestamp timestamp");
      ListOffsetsResult.ListOffsetsResultInfo max = admin.listOffsets(Map.of(partition, OffsetSpec.maxTimestamp())).partitionResult(partition).get();
      equal((long) MAX_TIMESTAMP_INDEX, max.offset(), "maxTimestamp offset");
      equal(timestampOf(MAX_TIMESTAMP_INDEX), max.timestamp(), "maxTimestamp timestamp");
      ListOffsetsResult.ListOffsetsResultInfo none = admin.listOffsets(Map.of(partition, OffsetSpec.forTimestamp(BASE_TIMESTAMP + 99_000_000L))).partitionResult(partition).get();
      equal(-1L, none.offset(), "forTimestamp after the last record");
    });

    step("deleteRecords moves the log start offset; earliest offsets and consumers from the beginning follow it; beyond the end is refused", () -> {
      TopicPartition partition = new TopicPartition(RECORDS_TOPIC, 0);
      DeletedRecords deleted = admin.deleteRecords(Map.of(partition, RecordsToDelete.beforeOffset(10))).lowWatermarks().get(partition).get();
      equal(10L, deleted.lowWatermark(), "low watermark");
      equal(10L, admin.listOffsets(Map.of(partition, OffsetSpec.earliest())).partitionResult(partition).get().offset(), "earliest after deleteRecords");
      try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrap)) {
        consumer.assign(List.of(partition));
        consumer.seekToBeginning(List.of(partition));
        List<ConsumerRecord<byte[], byte[]>> records = readUntil(consumer, RECORD_COUNT - 10);
        assertRecord(10, records.get(0));
      }
      expectFailure(admin.deleteRecords(Map.of(partition, RecordsToDelete.beforeOffset(RECORD_COUNT + 5))).all(), OffsetOutOfRangeException.class, "deleteRecords beyond the high watermark");
    });

    step("deleteTopics removes the topic: listTopics and describeTopics no longer know it", () -> {
      admin.deleteTopics(List.of(ADMIN_TOPIC)).all().get();
      long deadline = System.currentTimeMillis() + 15_000;
      while (admin.listTopics().names().get().contains(ADMIN_TOPIC)) {
        check(System.currentTimeMillis() < deadline, "topic still listed 15 s after deleteTopics");
        Thread.sleep(100);
      }
      expectFailure(admin.describeTopics(List.of(ADMIN_TOPIC)).allTopicNames(), UnknownTopicOrPartitionException.class, "describeTopics of a deleted topic");
      expectFailure(admin.deleteTopics(List.of(ADMIN_TOPIC)).all(), UnknownTopicOrPartitionException.class, "deleting it again");
    });
  }

  static void assertRecord(int index, ConsumerRecord<byte[], byte[]> record) {
    String where = "record " + index;
    equal((long) index, record.offset(), where + " offset");
    equal(keyOf(index), text(record.key()), where + " key");
    equal(valueOf(index), text(record.value()), where + " value");
    equal(TimestampType.CREATE_TIME, record.timestampType(), where + " timestamp type");
    equal(timestampOf(index), record.timestamp(), where + " timestamp");
    List<String> expectedHeaders = new ArrayList<>();
    for (Header header : headersOf(index)) expectedHeaders.add(header.key() + "=" + text(header.value()));
    List<String> actualHeaders = new ArrayList<>();
    for (Header header : record.headers()) actualHeaders.add(header.key() + "=" + text(header.value()));
    equal(expectedHeaders, actualHeaders, where + " headers");
  }

  static KafkaConsumer<byte[], byte[]> consumer(String bootstrap) {
    Properties properties = new Properties();
    properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
    properties.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
    return new KafkaConsumer<>(properties);
  }

  /** Polls until `count` records arrived (at most 30 s); more than `count` is a mismatch too. */
  static List<ConsumerRecord<byte[], byte[]>> readUntil(KafkaConsumer<byte[], byte[]> consumer, int count) {
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    long deadline = System.currentTimeMillis() + 30_000;
    while (records.size() < count) {
      check(System.currentTimeMillis() < deadline, "read " + records.size() + " of " + count + " records in 30 s");
      for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) records.add(record);
    }
    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) records.add(record);
    equal(count, records.size(), "records read (no more than were written)");
    return records;
  }
}
