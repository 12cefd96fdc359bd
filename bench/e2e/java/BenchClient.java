// Helpers for the end-to-end benchmark (bench/e2e/run.ts), run with Kafka 4.1's jars on the class
// path. Both brokers get the same program, so fjord and Apache Kafka are measured alike.
//
//   create-topics <bootstrap> <topic>:<partitions> ...
//       Creates the topics with the Admin API (replication factor 1) and waits until every partition
//       of each has a leader in metadata. Prints "CREATED <topic>" or "FAILED <topic> <error>" per
//       topic; exits 0 either way (the caller decides what a failure means).
//   consume <bootstrap> <topic> <records> <timeoutMs>
//       Reads the whole topic with KafkaConsumer.assign() (no consumer group), from the beginning,
//       until <records> records have arrived or the timeout passes. Prints one line:
//       "CONSUMED records=<n> bytes=<key+value bytes> elapsedMs=<first poll to last record>".
//       Exits 1 if fewer records arrived than asked for.
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

public final class BenchClient {
    private BenchClient() {}

    public static void main(String[] arguments) throws Exception {
        if (arguments.length >= 3 && arguments[0].equals("create-topics")) {
            Map<String, Integer> topics = new LinkedHashMap<>();
            for (int index = 2; index < arguments.length; index++) {
                int colon = arguments[index].lastIndexOf(':');
                topics.put(arguments[index].substring(0, colon), Integer.parseInt(arguments[index].substring(colon + 1)));
            }
            createTopics(arguments[1], topics);
        } else if (arguments.length == 5 && arguments[0].equals("consume")) {
            consume(arguments[1], arguments[2], Long.parseLong(arguments[3]), Long.parseLong(arguments[4]));
        } else {
            System.err.println("usage: BenchClient create-topics <bootstrap> <topic>:<partitions>... | consume <bootstrap> <topic> <records> <timeoutMs>");
            System.exit(2);
        }
    }

    private static void createTopics(String bootstrap, Map<String, Integer> topics) throws Exception {
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(properties)) {
            List<NewTopic> newTopics = new ArrayList<>();
            topics.forEach((name, partitions) -> newTopics.add(new NewTopic(name, partitions, (short) 1)));
            Map<String, KafkaFuture<Void>> results = admin.createTopics(newTopics).values();
            for (Map.Entry<String, Integer> topic : topics.entrySet()) {
                try {
                    results.get(topic.getKey()).get(30, TimeUnit.SECONDS);
                    awaitLeaders(admin, topic.getKey(), topic.getValue());
                    System.out.println("CREATED " + topic.getKey());
                } catch (ExecutionException failure) {
                    System.out.println("FAILED " + topic.getKey() + " " + failure.getCause());
                } catch (Exception failure) {
                    System.out.println("FAILED " + topic.getKey() + " " + failure);
                }
            }
        }
    }

    private static void awaitLeaders(Admin admin, String topic, int partitions) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
            boolean ready = description != null && description.partitions().size() == partitions;
            if (ready) {
                for (TopicPartitionInfo partition : description.partitions()) {
                    if (partition.leader() == null || partition.leader().isEmpty()) ready = false;
                }
            }
            if (ready) return;
            if (System.nanoTime() > deadline) throw new IllegalStateException("no leaders after 30 s: " + description);
            Thread.sleep(100);
        }
    }

    private static void consume(String bootstrap, String topic, long wantedRecords, long timeoutMs) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        long records = 0;
        long bytes = 0;
        long startNanos;
        long lastRecordNanos;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            startNanos = System.nanoTime();
            lastRecordNanos = startNanos;
            long deadline = startNanos + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            while (records < wantedRecords && System.nanoTime() < deadline) {
                ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(100));
                if (batch.isEmpty()) continue;
                for (ConsumerRecord<byte[], byte[]> record : batch) {
                    records++;
                    if (record.key() != null) bytes += record.key().length;
                    if (record.value() != null) bytes += record.value().length;
                }
                lastRecordNanos = System.nanoTime();
            }
        }
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(lastRecordNanos - startNanos);
        System.out.println("CONSUMED records=" + records + " bytes=" + bytes + " elapsedMs=" + elapsedMs);
        if (records < wantedRecords) {
            System.err.println("consumed " + records + " of " + wantedRecords + " records within " + timeoutMs + " ms");
            System.exit(1);
        }
    }
}
