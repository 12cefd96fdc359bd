// The client side of bench/txn-produce.ts: one KafkaProducer (kafka-clients 4.1) sending fixed-size
// records round-robin over a topic's partitions, in one of three modes:
//   transactional   transactional.id set; begin, send <per-transaction> records, commitTransaction
//   flushed         the default (idempotent, acks=all) producer, flush() after every <per-transaction>
//                   records: the same batching and round trips as a transaction, minus its protocol
//   streaming       the default producer sending everything, one flush() at the end
// Each mode first runs a warm-up of a fifth of the records (not measured), then the measured run,
// then checks with ListOffsets that the topic holds every record (and, for transactions, one commit
// marker per partition per transaction) and no transaction is left open.
//
// Usage: java TxnProduceBench <bootstrap> <topic> <partitions> <mode> <records> <per-transaction> <record bytes>
// Prints one JSON line: {"mode", "records", "transactions", "elapsedMs", "recordsPerSecond"}.
import java.util.*;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public class TxnProduceBench {
  public static void main(String[] arguments) throws Exception {
    String bootstrap = arguments[0];
    String topic = arguments[1];
    int partitions = Integer.parseInt(arguments[2]);
    String mode = arguments[3];
    int records = Integer.parseInt(arguments[4]);
    int perTransaction = Integer.parseInt(arguments[5]);
    int recordBytes = Integer.parseInt(arguments[6]);
    if (!List.of("transactional", "flushed", "streaming").contains(mode)) throw new IllegalArgumentException("unknown mode " + mode);

    Properties adminProperties = new Properties();
    adminProperties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(adminProperties)) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
    }

    Properties properties = new Properties();
    properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    if (mode.equals("transactional")) properties.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "bench-" + topic);
    byte[] value = new byte[recordBytes];
    new Random(1).nextBytes(value);
    AtomicReference<Exception> firstError = new AtomicReference<>();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(properties)) {
      if (mode.equals("transactional")) producer.initTransactions();
      run(producer, topic, partitions, mode, records / 5, perTransaction, value, firstError);
      long startedAt = System.nanoTime();
      int transactions = run(producer, topic, partitions, mode, records, perTransaction, value, firstError);
      double elapsedMs = (System.nanoTime() - startedAt) / 1e6;
      if (firstError.get() != null) throw firstError.get();
      int warmUpTransactions = (records / 5 + perTransaction - 1) / perTransaction;
      verify(bootstrap, topic, partitions, records / 5 + records, mode.equals("transactional") ? (long) (warmUpTransactions + transactions) * Math.min(partitions, perTransaction) : 0);
      System.out.printf(Locale.ROOT, "{\"mode\":\"%s\",\"records\":%d,\"transactions\":%d,\"elapsedMs\":%.1f,\"recordsPerSecond\":%.1f}%n",
          mode, records, transactions, elapsedMs, records / (elapsedMs / 1000));
    }
  }

  /**
   * Checks the broker kept what was sent: the partitions become stable (every transaction's markers
   * written) with exactly `records` records and `markers` control records in all.
   */
  static void verify(String bootstrap, String topic, int partitions, long records, long markers) throws Exception {
    Properties adminProperties = new Properties();
    adminProperties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    for (int partition = 0; partition < partitions; partition++) request.put(new TopicPartition(topic, partition), OffsetSpec.latest());
    long committed = -1, uncommitted = -1;
    try (Admin admin = Admin.create(adminProperties)) {
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (System.nanoTime() < deadline) {
        committed = 0;
        uncommitted = 0;
        for (ListOffsetsResult.ListOffsetsResultInfo info : admin.listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get().values()) committed += info.offset();
        for (ListOffsetsResult.ListOffsetsResultInfo info : admin.listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED)).all().get().values()) uncommitted += info.offset();
        if (committed == uncommitted) break;
        Thread.sleep(100);
      }
    }
    if (committed != uncommitted || uncommitted != records + markers) {
      throw new IllegalStateException("expected " + records + " records and " + markers + " markers (end offsets summing to " + (records + markers)
          + "), got read_committed " + committed + ", read_uncommitted " + uncommitted);
    }
  }

  static int run(KafkaProducer<byte[], byte[]> producer, String topic, int partitions, String mode, int records, int perTransaction, byte[] value, AtomicReference<Exception> firstError) {
    int transactions = 0;
    for (int start = 0; start < records; start += perTransaction) {
      int end = Math.min(records, start + perTransaction);
      if (mode.equals("transactional")) producer.beginTransaction();
      for (int index = start; index < end; index++) {
        producer.send(new ProducerRecord<>(topic, index % partitions, null, value), (metadata, error) -> {
          if (error != null) firstError.compareAndSet(null, error);
        });
      }
      if (mode.equals("transactional")) producer.commitTransaction();
      else if (mode.equals("flushed")) producer.flush();
      transactions++;
    }
    producer.flush();
    return transactions;
  }
}
