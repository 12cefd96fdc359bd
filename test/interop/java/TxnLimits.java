// The broker's transaction limits with the Java client 4.1, against a broker started with
// transaction.max.timeout.ms=60000, transactional.id.expiration.ms=3000 and
// transaction.remove.expired.transaction.cleanup.interval.ms=500:
//   - a producer asking for a longer transaction.timeout.ms than the maximum fails initTransactions
//     with INVALID_TRANSACTION_TIMEOUT (which the client reports as a KafkaException with its message);
//   - an idle transactional id expires: describeTransactions then answers
//     TransactionalIdNotFoundException, listTransactions leaves it out, and a new producer with
//     that id starts afresh.
//
// Usage: java TxnLimits <bootstrap>
// Prints "PASS <step>" or "FAIL <step>: ..." per step, then "ALL PASSED" (exit 0).
import java.time.Duration;
import java.util.*;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.InvalidTxnTimeoutException;
import org.apache.kafka.common.errors.TransactionalIdNotFoundException;
import org.apache.kafka.common.protocol.Errors;

public class TxnLimits {
  static final String TOPIC = "txn-limits";

  public static void main(String[] arguments) throws Exception {
    String bootstrap = arguments[0];
    try (Admin admin = TxnSupport.admin(bootstrap)) {
      TxnSupport.createTopic(admin, TOPIC, 1);
      TxnSupport.step("a transaction.timeout.ms above the broker's transaction.max.timeout.ms (60000) fails initTransactions with INVALID_TRANSACTION_TIMEOUT", () -> {
        try (KafkaProducer<String, String> producer = TxnSupport.transactionalProducer(bootstrap, "too-long", Map.of(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 60_001))) {
          try {
            producer.initTransactions();
            throw new TxnSupport.Mismatch("initTransactions returned normally");
          } catch (org.apache.kafka.common.KafkaException error) {
            // The 4.1 client reports this error code as a KafkaException carrying its message.
            String expected = Errors.INVALID_TRANSACTION_TIMEOUT.message();
            if (!TxnSupport.causedBy(error, InvalidTxnTimeoutException.class) && !String.valueOf(error.getMessage()).contains(expected)) {
              throw new TxnSupport.Mismatch("expected INVALID_TRANSACTION_TIMEOUT (\"" + expected + "\"), got " + error);
            }
          }
        }
        try (KafkaProducer<String, String> producer = TxnSupport.transactionalProducer(bootstrap, "at-most", Map.of(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 60_000))) {
          producer.initTransactions();
        }
      });
      long[] firstProducerId = {-1};
      TxnSupport.step("an idle transactional id expires after transactional.id.expiration.ms (3 s): describeTransactions says TransactionalIdNotFoundException and listTransactions leaves it out", () -> {
        try (KafkaProducer<String, String> producer = TxnSupport.transactionalProducer(bootstrap, "expiring", Map.of())) {
          producer.initTransactions();
          producer.beginTransaction();
          producer.send(new ProducerRecord<>(TOPIC, 0, "expiring", "before-expiry"));
          producer.commitTransaction();
        }
        firstProducerId[0] = admin.describeTransactions(List.of("expiring")).description("expiring").get().producerId();
        long startedAt = System.nanoTime();
        long deadline = startedAt + Duration.ofSeconds(40).toNanos();
        while (true) {
          try {
            admin.describeTransactions(List.of("expiring")).description("expiring").get();
          } catch (ExecutionException error) {
            if (error.getCause() instanceof TransactionalIdNotFoundException) break;
            throw error;
          }
          TxnSupport.check(System.nanoTime() < deadline, "the transactional id was still described after 40 s");
          Thread.sleep(200);
        }
        long waitedMs = (System.nanoTime() - startedAt) / 1_000_000;
        TxnSupport.log("# the idle transactional id expired " + waitedMs + " ms after its commit");
        for (TransactionListing listing : admin.listTransactions().all().get()) {
          TxnSupport.check(!listing.transactionalId().equals("expiring"), "listTransactions still lists the expired id: " + listing);
        }
      });
      TxnSupport.step("a producer with the expired transactional id initialises and commits afresh", () -> {
        try (KafkaProducer<String, String> producer = TxnSupport.transactionalProducer(bootstrap, "expiring", Map.of())) {
          producer.initTransactions();
          producer.beginTransaction();
          producer.send(new ProducerRecord<>(TOPIC, 0, "expiring", "after-expiry"));
          producer.commitTransaction();
        }
        TxnSupport.log("# producer id before the expiry " + firstProducerId[0] + ", after "
            + admin.describeTransactions(List.of("expiring")).description("expiring").get().producerId());
      });
    }
    TxnSupport.finish();
  }
}
