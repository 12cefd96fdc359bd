// A transactional workload that rides through broker restarts, then checks what read_committed
// consumers saw. --producers transactional producers (1 by default; each its own transactional.id
// and thread) run `count` transactions, producer k the ones with index % producers == k, each
// producer one after another, so different producers' transactions interleave (producer k
// compresses with none, lz4, zstd, gzip for k % 4 = 0..3); each transaction writes 1-4
// records to each of 1-3 random partitions (seeded) and then commits or aborts (60 % commit), or,
// when listed with --commit, writes 3 records to every partition and commits. Meanwhile a
// read_committed consumer tails every partition from the start and keeps what it sees.
//
// When a call fails (the broker went away mid-call and the client gave up), the producer is closed
// and a new one with the same transactional.id is initialised, which ends the interrupted
// transaction on the broker: aborted if the failure came before commitTransaction was called, else
// committed or aborted ("in doubt"; the check accepts either, but all-or-nothing).
//
// Usage: java TxnWorkload <bootstrap> <topic> <partitions> <count> <seed> [--pause i,..] [--commit i,..] [--producers n]
// Prints "BEGIN i", "SENT i" (records acknowledged), "PAUSED i" (for --pause; waits for a line on
// stdin), "COMMITTING i" / "ABORTING i" (just before the call), "COMMITTED i" / "ABORTED i",
// "FAILED i <stage> <error>"; then "PASS <step>" / "FAIL <step>: ..." lines and "ALL PASSED".
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.*;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

public class TxnWorkload {
  /** How a transaction ended as the producer knows it. */
  enum Outcome { COMMITTED, ABORTED, FAILED_BEFORE_COMMIT, IN_DOUBT }

  static final class Transaction {
    final int index;
    final boolean commit;
    /** [partition, record number] in send order. */
    final List<int[]> records = new ArrayList<>();
    Outcome outcome;
    boolean acknowledged;

    Transaction(int index, boolean commit) {
      this.index = index;
      this.commit = commit;
    }

    String value(int[] record) {
      return "t" + index + ".r" + record[1] + ".n" + records.size() + ".p" + record[0];
    }
  }

  static final Duration INIT_TIMEOUT = Duration.ofSeconds(150);

  static final String[] CODECS = {"none", "lz4", "zstd", "gzip"};

  static Map<String, Object> producerSettings(String codec) {
    Map<String, Object> settings = new HashMap<>();
    settings.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec);
    settings.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 60_000);
    settings.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
    settings.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
    settings.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
    return settings;
  }

  /** A new producer with the transactional id, initialised; retried while the broker is away. */
  static KafkaProducer<String, String> newProducer(String bootstrap, String transactionalId, String codec) throws InterruptedException {
    long deadline = System.nanoTime() + INIT_TIMEOUT.toNanos();
    while (true) {
      KafkaProducer<String, String> producer = TxnSupport.transactionalProducer(bootstrap, transactionalId, producerSettings(codec));
      try {
        producer.initTransactions();
        return producer;
      } catch (KafkaException error) {
        producer.close(Duration.ZERO);
        TxnSupport.log("# initTransactions failed, retrying: " + error);
        if (System.nanoTime() > deadline) throw error;
        Thread.sleep(200);
      }
    }
  }

  static Set<Integer> indexList(String text) {
    Set<Integer> set = new HashSet<>();
    for (String part : text.split(",")) if (!part.isEmpty()) set.add(Integer.parseInt(part));
    return set;
  }

  public static void main(String[] arguments) throws Exception {
    String bootstrap = arguments[0];
    String topic = arguments[1];
    int partitionCount = Integer.parseInt(arguments[2]);
    int count = Integer.parseInt(arguments[3]);
    Random random = new Random(Long.parseLong(arguments[4]));
    Set<Integer> pauses = new HashSet<>();
    Set<Integer> forcedCommits = new HashSet<>();
    int producerCount = 1;
    for (int index = 5; index + 1 < arguments.length; index += 2) {
      if (arguments[index].equals("--pause")) pauses = indexList(arguments[index + 1]);
      else if (arguments[index].equals("--commit")) forcedCommits = indexList(arguments[index + 1]);
      else if (arguments[index].equals("--producers")) producerCount = Integer.parseInt(arguments[index + 1]);
      else throw new IllegalArgumentException("unknown option " + arguments[index]);
    }
    List<TopicPartition> partitions = TxnSupport.partitions(topic, partitionCount);
    BufferedReader input = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));

    List<Transaction> transactions = new ArrayList<>();
    for (int index = 0; index < count; index++) {
      boolean forced = forcedCommits.contains(index);
      Transaction transaction = new Transaction(index, forced || random.nextDouble() < 0.6);
      List<Integer> chosen = new ArrayList<>();
      for (int partition = 0; partition < partitionCount; partition++) chosen.add(partition);
      Collections.shuffle(chosen, random);
      int partitionsUsed = forced ? partitionCount : 1 + random.nextInt(Math.min(3, partitionCount));
      int recordNumber = 0;
      for (int partition : chosen.subList(0, partitionsUsed)) {
        int records = forced ? 3 : 1 + random.nextInt(4);
        for (int record = 0; record < records; record++) transaction.records.add(new int[] {partition, recordNumber++});
      }
      transactions.add(transaction);
    }

    try (Admin admin = TxnSupport.admin(bootstrap)) {
      TxnSupport.createTopic(admin, topic, partitionCount);
      LiveConsumer live = new LiveConsumer(bootstrap, partitions);
      live.start();
      long startedAt = System.nanoTime();
      // Producer k runs transactions k, k + producers, k + 2 * producers, ... in turn, so the
      // producers' transactions interleave in the partitions.
      List<Thread> threads = new ArrayList<>();
      AtomicReference<Throwable> producerFailure = new AtomicReference<>();
      for (int producerIndex = 0; producerIndex < producerCount; producerIndex++) {
        List<Transaction> mine = new ArrayList<>();
        for (Transaction transaction : transactions) if (transaction.index % producerCount == producerIndex) mine.add(transaction);
        String transactionalId = "workload-" + topic + "-" + producerIndex;
        // Producer k compresses with CODECS[k % 4]: compressed transactional batches are filtered too.
        String codec = CODECS[producerIndex % CODECS.length];
        Set<Integer> pausesHere = pauses;
        Thread thread = new Thread(() -> {
          try {
            runProducer(bootstrap, topic, transactionalId, codec, mine, pausesHere, input);
          } catch (Throwable error) {
            producerFailure.compareAndSet(null, error);
          }
        });
        thread.start();
        threads.add(thread);
      }
      for (Thread thread : threads) thread.join();
      if (producerFailure.get() != null) {
        TxnSupport.step("every producer runs its transactions to the end", () -> {
          throw new KafkaException("a producer gave up", producerFailure.get());
        });
        TxnSupport.finish();
      }
      long elapsedMs = (System.nanoTime() - startedAt) / 1_000_000;
      TxnSupport.log("# " + count + " transactions in " + elapsedMs + " ms");
      check(admin, bootstrap, partitions, transactions, producerCount, live);
    }
    TxnSupport.finish();
  }

  /** Runs `mine` in turn with one transactional producer, replacing it after a failed call. */
  static void runProducer(String bootstrap, String topic, String transactionalId, String codec, List<Transaction> mine, Set<Integer> pauses, BufferedReader input) throws Exception {
    KafkaProducer<String, String> producer = newProducer(bootstrap, transactionalId, codec);
    for (Transaction transaction : mine) {
      String stage = "BEGIN";
      try {
        TxnSupport.log("BEGIN " + transaction.index);
        producer.beginTransaction();
        AtomicReference<Exception> sendError = new AtomicReference<>();
        for (int[] record : transaction.records) {
          producer.send(new ProducerRecord<>(topic, record[0], "t" + transaction.index, transaction.value(record)), (metadata, error) -> {
            if (error != null) sendError.compareAndSet(null, error);
          });
        }
        producer.flush();
        if (sendError.get() != null) throw new KafkaException("a send failed", sendError.get());
        transaction.acknowledged = true;
        TxnSupport.log("SENT " + transaction.index);
        if (pauses.contains(transaction.index)) {
          TxnSupport.log("PAUSED " + transaction.index);
          input.readLine();
        }
        if (transaction.commit) {
          stage = "COMMITTING";
          TxnSupport.log("COMMITTING " + transaction.index);
          producer.commitTransaction();
          transaction.outcome = Outcome.COMMITTED;
          TxnSupport.log("COMMITTED " + transaction.index);
        } else {
          stage = "ABORTING";
          TxnSupport.log("ABORTING " + transaction.index);
          producer.abortTransaction();
          transaction.outcome = Outcome.ABORTED;
          TxnSupport.log("ABORTED " + transaction.index);
        }
      } catch (KafkaException error) {
        transaction.outcome = stage.equals("COMMITTING") ? Outcome.IN_DOUBT : Outcome.FAILED_BEFORE_COMMIT;
        TxnSupport.log("FAILED " + transaction.index + " " + stage + " " + String.valueOf(error).replace('\n', ' '));
        producer.close(Duration.ZERO);
        producer = newProducer(bootstrap, transactionalId, codec);
      }
    }
    producer.close(Duration.ofSeconds(10));
  }

  /** A read_committed consumer tailing every partition from the beginning while the workload runs. */
  static final class LiveConsumer extends Thread {
    final String bootstrap;
    final List<TopicPartition> partitions;
    final Map<TopicPartition, List<ConsumerRecord<String, String>>> seen = new HashMap<>();
    final Map<TopicPartition, Long> positions = new HashMap<>();
    volatile Map<TopicPartition, Long> stopAt = null;
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    final AtomicBoolean finished = new AtomicBoolean();

    LiveConsumer(String bootstrap, List<TopicPartition> partitions) {
      this.bootstrap = bootstrap;
      this.partitions = partitions;
      for (TopicPartition partition : partitions) seen.put(partition, new ArrayList<>());
      setDaemon(true);
    }

    @Override
    public void run() {
      try (KafkaConsumer<String, String> consumer = TxnSupport.consumer(bootstrap, IsolationLevel.READ_COMMITTED, Map.of())) {
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        while (true) {
          ConsumerRecords<String, String> batch = consumer.poll(Duration.ofMillis(200));
          synchronized (this) {
            for (ConsumerRecord<String, String> record : batch) seen.get(new TopicPartition(record.topic(), record.partition())).add(record);
            for (TopicPartition partition : partitions) positions.put(partition, consumer.position(partition));
          }
          Map<TopicPartition, Long> ends = stopAt;
          if (ends != null) {
            boolean done = true;
            for (TopicPartition partition : partitions) if (consumer.position(partition) < ends.get(partition)) done = false;
            if (done) break;
          }
        }
      } catch (Throwable error) {
        failure.set(error);
      } finally {
        finished.set(true);
      }
    }
  }

  static void check(Admin admin, String bootstrap, List<TopicPartition> partitions, List<Transaction> transactions, int producerCount, LiveConsumer live) throws Exception {
    int committed = 0, aborted = 0, failed = 0, inDoubt = 0;
    for (Transaction transaction : transactions) {
      switch (transaction.outcome) {
        case COMMITTED -> committed++;
        case ABORTED -> aborted++;
        case FAILED_BEFORE_COMMIT -> failed++;
        case IN_DOUBT -> inDoubt++;
      }
    }
    TxnSupport.log("# outcomes: " + committed + " committed, " + aborted + " aborted, " + failed + " failed before commit, " + inDoubt + " in doubt");

    AtomicReference<Map<TopicPartition, Long>> stableEnds = new AtomicReference<>();
    TxnSupport.step("every partition becomes stable (no transaction left open) after the workload", () -> {
      stableEnds.set(TxnSupport.awaitStable(admin, partitions, Duration.ofSeconds(90)));
    });
    Map<TopicPartition, Long> ends = stableEnds.get();
    if (ends == null) TxnSupport.finish();
    TxnSupport.log("# end offsets " + ends);

    Map<TopicPartition, List<ConsumerRecord<String, String>>> committedView = TxnSupport.readAll(bootstrap, partitions, IsolationLevel.READ_COMMITTED, ends, Duration.ofSeconds(90));
    Map<TopicPartition, List<ConsumerRecord<String, String>>> everything = TxnSupport.readAll(bootstrap, partitions, IsolationLevel.READ_UNCOMMITTED, ends, Duration.ofSeconds(90));

    // Which records of each transaction read_committed shows, by value.
    Map<String, ConsumerRecord<String, String>> byValue = new HashMap<>();
    List<String> duplicates = new ArrayList<>();
    for (List<ConsumerRecord<String, String>> records : committedView.values()) {
      for (ConsumerRecord<String, String> record : records) {
        if (byValue.put(record.value(), record) != null) duplicates.add(record.value() + "@" + record.partition() + ":" + record.offset());
      }
    }
    boolean[] visible = new boolean[transactions.size()];

    TxnSupport.step("read_committed shows every transaction whole or not at all", () -> {
      List<String> half = new ArrayList<>();
      for (Transaction transaction : transactions) {
        int shown = 0;
        for (int[] record : transaction.records) if (byValue.containsKey(transaction.value(record))) shown++;
        if (shown != 0 && shown != transaction.records.size()) half.add("t" + transaction.index + " (" + transaction.outcome + ") shows " + shown + " of " + transaction.records.size());
        visible[transaction.index] = shown == transaction.records.size();
      }
      TxnSupport.check(half.isEmpty(), half.size() + " transaction(s) half visible: " + first(half));
    });
    TxnSupport.step("read_committed shows every transaction whose commit returned and none that was aborted or failed before committing", () -> {
      List<String> wrong = new ArrayList<>();
      for (Transaction transaction : transactions) {
        boolean expectVisible = transaction.outcome == Outcome.COMMITTED;
        boolean expectHidden = transaction.outcome == Outcome.ABORTED || transaction.outcome == Outcome.FAILED_BEFORE_COMMIT;
        if (expectVisible && !visible[transaction.index]) wrong.add("committed t" + transaction.index + " not visible");
        boolean anyShown = false;
        for (int[] record : transaction.records) anyShown |= byValue.containsKey(transaction.value(record));
        if (expectHidden && anyShown) wrong.add(transaction.outcome + " t" + transaction.index + " visible");
      }
      TxnSupport.check(wrong.isEmpty(), wrong.size() + " transaction(s) wrong: " + first(wrong));
    });
    TxnSupport.step("read_committed shows each committed record once, in its partition, in each producer's send order, at ascending offsets", () -> {
      TxnSupport.check(duplicates.isEmpty(), duplicates.size() + " record(s) seen twice: " + first(duplicates));
      for (TopicPartition partition : partitions) {
        List<ConsumerRecord<String, String>> records = committedView.get(partition);
        for (int index = 1; index < records.size(); index++) {
          TxnSupport.check(records.get(index).offset() > records.get(index - 1).offset(), partition + ": offset " + records.get(index).offset() + " after " + records.get(index - 1).offset());
        }
        // Each producer's transactions run one after another, so its records are in its send order;
        // different producers' records interleave.
        for (int producer = 0; producer < producerCount; producer++) {
          List<String> expected = new ArrayList<>();
          for (Transaction transaction : transactions) {
            if (!visible[transaction.index] || transaction.index % producerCount != producer) continue;
            for (int[] record : transaction.records) if (record[0] == partition.partition()) expected.add(transaction.value(record));
          }
          List<String> seen = new ArrayList<>();
          for (ConsumerRecord<String, String> record : records) {
            if (transactionOf(record.value()) % producerCount == producer) seen.add(record.value());
          }
          if (!expected.equals(seen)) {
            int index = 0;
            while (index < expected.size() && index < seen.size() && expected.get(index).equals(seen.get(index))) index++;
            throw new TxnSupport.Mismatch(partition + ", producer " + producer + ": " + seen.size() + " records read_committed, " + expected.size()
                + " expected; first difference at " + index + ": read " + (index < seen.size() ? seen.get(index) : "-") + ", expected " + (index < expected.size() ? expected.get(index) : "-"));
          }
        }
      }
    });
    TxnSupport.step("read_uncommitted shows every acknowledged record, aborted ones included, each once", () -> {
      Map<String, Integer> counts = new HashMap<>();
      for (List<ConsumerRecord<String, String>> records : everything.values()) for (ConsumerRecord<String, String> record : records) counts.merge(record.value(), 1, Integer::sum);
      List<String> wrong = new ArrayList<>();
      for (Map.Entry<String, Integer> entry : counts.entrySet()) if (entry.getValue() > 1) wrong.add(entry.getKey() + " x" + entry.getValue());
      for (Transaction transaction : transactions) {
        if (!transaction.acknowledged) continue;
        for (int[] record : transaction.records) if (!counts.containsKey(transaction.value(record))) wrong.add("acknowledged " + transaction.value(record) + " missing");
      }
      TxnSupport.check(wrong.isEmpty(), wrong.size() + " problem(s): " + first(wrong));
    });
    TxnSupport.step("a read_committed consumer that read throughout (across the restarts) saw exactly the same records at the same offsets", () -> {
      live.stopAt = ends;
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!live.finished.get()) {
        TxnSupport.check(System.nanoTime() < deadline, "the tailing consumer did not reach " + ends + "; at " + live.positions);
        Thread.sleep(50);
      }
      if (live.failure.get() != null) throw new KafkaException("the tailing consumer failed", live.failure.get());
      synchronized (live) {
        for (TopicPartition partition : partitions) {
          List<String> expected = new ArrayList<>();
          for (ConsumerRecord<String, String> record : committedView.get(partition)) expected.add(record.offset() + "=" + record.value());
          List<String> seen = new ArrayList<>();
          for (ConsumerRecord<String, String> record : live.seen.get(partition)) seen.add(record.offset() + "=" + record.value());
          if (!expected.equals(seen)) {
            int index = 0;
            while (index < expected.size() && index < seen.size() && expected.get(index).equals(seen.get(index))) index++;
            throw new TxnSupport.Mismatch(partition + ": the tailing consumer saw " + seen.size() + " records, the final read " + expected.size()
                + "; first difference at " + index + ": tailing " + (index < seen.size() ? seen.get(index) : "-") + ", final " + (index < expected.size() ? expected.get(index) : "-"));
          }
        }
      }
    });
    int committedCount = committed;
    int abortedCount = aborted;
    TxnSupport.step("the workload both committed and aborted transactions", () -> {
      TxnSupport.check(committedCount > 0 && abortedCount > 0, committedCount + " committed, " + abortedCount + " aborted");
    });
  }

  /** The transaction index of a record value "t<index>.r<number>.n<count>.p<partition>". */
  static int transactionOf(String value) {
    return Integer.parseInt(value.substring(1, value.indexOf('.')));
  }

  static String first(List<String> list) {
    return String.join("; ", list.subList(0, Math.min(5, list.size())));
  }
}
