// A transaction whose producer never comes back: the test kills this program and the broker with
// kill -9 while the transaction is open or committing, restarts the broker, and runs the check.
//
// Usage:
//   java TxnOrphan open <bootstrap> <topic> <partitions> <per partition> <tag> <transaction timeout ms> <commit|leave>
//     Writes <per partition> records "<tag>-p<partition>-r<index>" to every partition in one
//     transaction (transactional.id "orphan-<tag>"), prints "OPEN" once they are acknowledged; with
//     `commit` then prints "COMMITTING", commits and prints "COMMITTED"; then waits to be killed.
//   java TxnOrphan check <bootstrap> <topic> <partitions> <per partition> <tag> <none|all-or-nothing>
//     Waits for the partitions to become stable, checks what read_committed shows of the tag's
//     records (none, or all or none), that read_uncommitted shows them all, and that a new producer
//     with the same transactional.id commits. Prints PASS/FAIL lines and "ALL PASSED".
import java.time.Duration;
import java.util.*;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

public class TxnOrphan {
  public static void main(String[] arguments) throws Exception {
    String command = arguments[0];
    String bootstrap = arguments[1];
    String topic = arguments[2];
    int partitionCount = Integer.parseInt(arguments[3]);
    int perPartition = Integer.parseInt(arguments[4]);
    String tag = arguments[5];
    if (command.equals("open")) open(bootstrap, topic, partitionCount, perPartition, tag, Integer.parseInt(arguments[6]), arguments[7].equals("commit"));
    else check(bootstrap, topic, partitionCount, perPartition, tag, arguments[6]);
  }

  static List<String> values(String tag, int partition, int count) {
    List<String> values = new ArrayList<>();
    for (int index = 0; index < count; index++) values.add(tag + "-p" + partition + "-r" + index);
    return values;
  }

  static void open(String bootstrap, String topic, int partitionCount, int perPartition, String tag, int timeoutMs, boolean commit) throws Exception {
    try (Admin admin = TxnSupport.admin(bootstrap)) {
      TxnSupport.createTopic(admin, topic, partitionCount);
    }
    KafkaProducer<String, String> producer = TxnSupport.transactionalProducer(bootstrap, "orphan-" + tag, Map.of(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, timeoutMs));
    producer.initTransactions();
    producer.beginTransaction();
    for (int partition = 0; partition < partitionCount; partition++) {
      for (String value : values(tag, partition, perPartition)) producer.send(new ProducerRecord<>(topic, partition, tag, value));
    }
    producer.flush();
    TxnSupport.log("OPEN");
    if (commit) {
      TxnSupport.log("COMMITTING");
      producer.commitTransaction();
      TxnSupport.log("COMMITTED");
    }
    Thread.sleep(Long.MAX_VALUE);
  }

  static void check(String bootstrap, String topic, int partitionCount, int perPartition, String tag, String expectation) throws Exception {
    List<TopicPartition> partitions = TxnSupport.partitions(topic, partitionCount);
    int total = partitionCount * perPartition;
    try (Admin admin = TxnSupport.admin(bootstrap)) {
      long startedAt = System.nanoTime();
      Map<TopicPartition, Long> ends = TxnSupport.awaitStable(admin, partitions, Duration.ofSeconds(60));
      TxnSupport.log("# the partitions became stable " + (System.nanoTime() - startedAt) / 1_000_000 + " ms after the check started (" + tag + ")");
      TxnSupport.step("the orphaned transaction of " + tag + " ends " + (expectation.equals("none") ? "aborted" : "committed or aborted, whole") + " after the broker restarts", () -> {
        int shown = 0;
        for (List<ConsumerRecord<String, String>> records : TxnSupport.readAll(bootstrap, partitions, IsolationLevel.READ_COMMITTED, ends, Duration.ofSeconds(60)).values()) {
          for (ConsumerRecord<String, String> record : records) if (record.value().startsWith(tag + "-p")) shown++;
        }
        TxnSupport.log("# read_committed shows " + shown + " of the " + total + " records of " + tag);
        if (expectation.equals("none")) TxnSupport.equal(0, shown, "records of " + tag + " visible to read_committed");
        else TxnSupport.check(shown == 0 || shown == total, shown + " of " + total + " records of " + tag + " visible to read_committed: half a transaction");
      });
      TxnSupport.step("read_uncommitted shows all " + total + " acknowledged records of " + tag, () -> {
        int shown = 0;
        for (List<ConsumerRecord<String, String>> records : TxnSupport.readAll(bootstrap, partitions, IsolationLevel.READ_UNCOMMITTED, ends, Duration.ofSeconds(60)).values()) {
          for (ConsumerRecord<String, String> record : records) if (record.value().startsWith(tag + "-p")) shown++;
        }
        TxnSupport.equal(total, shown, "records of " + tag + " read_uncommitted");
      });
      TxnSupport.step("a new producer with transactional.id orphan-" + tag + " commits after the restart", () -> {
        try (KafkaProducer<String, String> producer = TxnSupport.transactionalProducer(bootstrap, "orphan-" + tag, Map.of())) {
          producer.initTransactions();
          producer.beginTransaction();
          producer.send(new ProducerRecord<>(topic, 0, tag, tag + "-after"));
          producer.commitTransaction();
        }
        Map<TopicPartition, Long> after = TxnSupport.awaitStable(admin, partitions, Duration.ofSeconds(30));
        List<ConsumerRecord<String, String>> records = TxnSupport.readAll(bootstrap, partitions, IsolationLevel.READ_COMMITTED, after, Duration.ofSeconds(60)).get(partitions.get(0));
        TxnSupport.check(!records.isEmpty() && records.get(records.size() - 1).value().equals(tag + "-after"), "the last read_committed record of " + partitions.get(0) + " is " + (records.isEmpty() ? "none" : records.get(records.size() - 1).value()));
      });
    }
    TxnSupport.finish();
  }
}
