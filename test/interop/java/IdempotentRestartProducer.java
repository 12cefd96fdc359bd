// An idempotent Java producer (default settings: enable.idempotence=true, acks=all, 5 in flight)
// that keeps sending while the test kills and restarts the broker, then reads the partition back
// with an assigned consumer and checks that every record is there exactly once, in order, at the
// offset its acknowledgement named.
//
// Usage: java IdempotentRestartProducer <bootstrap> <topic> <record count>
// Prints "ACKED <index> <offset>" per acknowledged record (the test kills the broker after some),
// then "PASS <step>" lines, or "FAIL <step>: <message>" and exit 1.
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.*;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public class IdempotentRestartProducer {
  static void fail(String step, String message) {
    System.out.println("FAIL " + step + ": " + message);
    System.out.flush();
    System.exit(1);
  }

  public static void main(String[] arguments) throws Exception {
    String bootstrap = arguments[0];
    String topic = arguments[1];
    int count = Integer.parseInt(arguments[2]);
    long[] offsets = new long[count];
    Arrays.fill(offsets, -1);
    AtomicReference<Exception> firstError = new AtomicReference<>();

    Properties properties = new Properties();
    properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    // Small batches so many requests are in flight when the broker dies; long enough delivery timeout
    // to ride out the restart; quick reconnects.
    properties.put(ProducerConfig.BATCH_SIZE_CONFIG, 2048);
    properties.put(ProducerConfig.LINGER_MS_CONFIG, 1);
    properties.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
    properties.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    properties.put(ProducerConfig.RECONNECT_BACKOFF_MS_CONFIG, 50);
    properties.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
    properties.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 50);
    properties.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 120_000);
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(properties)) {
      for (int index = 0; index < count; index++) {
        final int recordIndex = index;
        producer.send(new ProducerRecord<>(topic, 0, "key-" + index, "value-" + index), (metadata, error) -> {
          if (error != null) {
            firstError.compareAndSet(null, error);
            return;
          }
          offsets[recordIndex] = metadata.offset();
          System.out.println("ACKED " + recordIndex + " " + metadata.offset());
          System.out.flush();
        });
        if (index % 20 == 19) Thread.sleep(2); // a steady stream, so the kill lands mid-stream
      }
      producer.flush();
    }
    if (firstError.get() != null) fail("every send is acknowledged across the restart", firstError.get().toString());
    for (int index = 0; index < count; index++) {
      if (offsets[index] != index) fail("every send is acknowledged across the restart", "record " + index + " acknowledged at offset " + offsets[index]);
    }
    System.out.println("PASS every send is acknowledged across the restart, at offsets 0..count-1");

    Properties consumerProperties = new Properties();
    consumerProperties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    consumerProperties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    consumerProperties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    consumerProperties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProperties)) {
      TopicPartition partition = new TopicPartition(topic, 0);
      consumer.assign(List.of(partition));
      long end = consumer.endOffsets(List.of(partition)).get(partition);
      if (end != count) fail("the log holds each record once", "end offset " + end + ", expected " + count + " (duplicates or losses)");
      consumer.seekToBeginning(List.of(partition));
      List<ConsumerRecord<String, String>> records = new ArrayList<>();
      long deadline = System.currentTimeMillis() + 30_000;
      while (records.size() < count && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) records.add(record);
      }
      if (records.size() != count) fail("the log holds each record once", "read " + records.size() + " records, expected " + count);
      for (int index = 0; index < count; index++) {
        ConsumerRecord<String, String> record = records.get(index);
        if (record.offset() != index || !("key-" + index).equals(record.key()) || !("value-" + index).equals(record.value())) {
          fail("the log holds each record once", "at position " + index + ": offset " + record.offset() + " key " + record.key() + " value " + record.value());
        }
      }
    }
    System.out.println("PASS the log holds each record once, in order, with its key and value");
    System.out.println("ALL PASSED");
  }
}
