// Consumer groups with the Java client 4.1 (kafka-clients; JoinGroup v9, SyncGroup v5, Heartbeat
// v4, LeaveGroup v5, OffsetCommit v9, OffsetFetch v9 multi-group, FindCoordinator v6 batched):
// classic-protocol consumers with the range and the cooperative-sticky assignors, and
// group.protocol=consumer (KIP-848, ConsumerGroupHeartbeat) consumers, share a topic, each record
// read once by its partition's owner, commits read back; AdminClient
// listConsumerGroups, describeConsumerGroups, listConsumerGroupOffsets,
// alterConsumerGroupOffsets, deleteConsumerGroupOffsets, removeMembersFromConsumerGroup and
// deleteConsumerGroups. The program runs in one JVM (start-up is the slow part) from a source file
// written to a temp directory (Java's single-file source launcher); its steps are subtests here.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { reportProgramSteps, requireJavaClient, runJava } from './clients.ts';
import { startBroker } from './harness.ts';

const PROGRAM = String.raw`
import java.time.Duration;
import java.util.*;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.*;
import org.apache.kafka.common.serialization.*;

public class GroupsCheck {
  static String bootstrap;
  static int failures = 0;

  static void step(String name, Callable<Void> body) {
    try {
      body.call();
      System.out.println("PASS " + name);
    } catch (Throwable error) {
      failures++;
      System.out.println("FAIL " + name + ": " + String.valueOf(error).replace('\n', ' '));
      error.printStackTrace();
    }
  }

  static void check(boolean ok, String what) {
    if (!ok) throw new AssertionError(what);
  }

  static KafkaConsumer<String, String> consumer(String group, String assignor, String instanceId) {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    props.put("group.id", group);
    if (assignor.equals("consumer")) {
      // KIP-848: the broker assigns (its default, uniform); session and heartbeat are the broker's.
      props.put("group.protocol", "consumer");
    } else {
      props.put("group.protocol", "classic");
      props.put("partition.assignment.strategy", assignor);
      props.put("session.timeout.ms", "10000");
      props.put("heartbeat.interval.ms", "500");
    }
    props.put("auto.offset.reset", "earliest");
    props.put("enable.auto.commit", "false");
    props.put("max.poll.interval.ms", "30000");
    if (instanceId != null) props.put("group.instance.id", instanceId);
    return new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
  }

  static void produce(String topic, int partitions, int perPartition) throws Exception {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
      for (int partition = 0; partition < partitions; partition++)
        for (int index = 0; index < perPartition; index++)
          producer.send(new ProducerRecord<>(topic, partition, "k" + index, "p" + partition + "-" + index)).get();
    }
  }

  /** Two consumers share four partitions; each record is read once, by its partition's owner. */
  static void share(Admin admin, String topic, String group, String assignor) throws Exception {
    admin.createTopics(List.of(new NewTopic(topic, 4, (short) 1))).all().get();
    KafkaConsumer<String, String> first = consumer(group, assignor, null);
    KafkaConsumer<String, String> second = consumer(group, assignor, null);
    try {
      first.subscribe(List.of(topic));
      second.subscribe(List.of(topic));
      long deadline = System.currentTimeMillis() + 60_000;
      while (!(first.assignment().size() == 2 && second.assignment().size() == 2)) {
        check(System.currentTimeMillis() < deadline, "two members with two partitions each; have " + first.assignment() + " and " + second.assignment());
        check(first.poll(Duration.ofMillis(100)).isEmpty() && second.poll(Duration.ofMillis(100)).isEmpty(), "no records before they are produced");
      }
      Set<TopicPartition> overlap = new HashSet<>(first.assignment());
      overlap.retainAll(second.assignment());
      check(overlap.isEmpty(), "no partition owned twice: " + overlap);
      produce(topic, 4, 10);
      Map<String, String> readBy = new HashMap<>();
      deadline = System.currentTimeMillis() + 60_000;
      while (readBy.size() < 40) {
        check(System.currentTimeMillis() < deadline, "all 40 records read; have " + readBy.size());
        for (KafkaConsumer<String, String> each : List.of(first, second)) {
          String name = each == first ? "first" : "second";
          for (ConsumerRecord<String, String> record : each.poll(Duration.ofMillis(100))) {
            check(readBy.put(record.value(), name) == null, record.value() + " read twice");
            check(each.assignment().contains(new TopicPartition(topic, record.partition())), record.value() + " read by its owner");
          }
        }
      }
      first.commitSync();
      second.commitSync();
    } finally {
      first.close();
      second.close();
    }
    Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
    for (int partition = 0; partition < 4; partition++) {
      OffsetAndMetadata offset = committed.get(new TopicPartition(topic, partition));
      check(offset != null && offset.offset() == 10, "committed offset 10 for partition " + partition + ": " + committed);
    }
  }

  public static void main(String[] args) throws Exception {
    bootstrap = args[0];
    Properties adminProps = new Properties();
    adminProps.put("bootstrap.servers", bootstrap);
    try (Admin admin = Admin.create(adminProps)) {
      step("classic protocol, range assignor: two consumers share four partitions and commit", () -> {
        share(admin, "java-range", "java-range-group", "org.apache.kafka.clients.consumer.RangeAssignor");
        return null;
      });
      step("classic protocol, cooperative-sticky assignor: two consumers share four partitions and commit", () -> {
        share(admin, "java-coop", "java-coop-group", "org.apache.kafka.clients.consumer.CooperativeStickyAssignor");
        return null;
      });
      step("group.protocol=consumer (KIP-848): two consumers share four partitions and commit", () -> {
        share(admin, "java-848", "java-848-group", "consumer");
        return null;
      });
      step("AdminClient describes a consumer-protocol group", () -> {
        ConsumerGroupDescription described = admin.describeConsumerGroups(List.of("java-848-group")).all().get().get("java-848-group");
        check(described.type() == GroupType.CONSUMER, "type " + described.type());
        check(described.groupState() == GroupState.EMPTY, "state " + described.groupState());
        return null;
      });
      step("AdminClient lists and describes consumer groups", () -> {
        Collection<ConsumerGroupListing> listed = admin.listConsumerGroups().all().get();
        check(listed.stream().anyMatch(g -> g.groupId().equals("java-range-group")), "listed: " + listed);
        ConsumerGroupDescription described = admin.describeConsumerGroups(List.of("java-range-group")).all().get().get("java-range-group");
        check(described.groupState() == GroupState.EMPTY, "state " + described.groupState());
        check(described.members().isEmpty(), "no members: " + described.members());
        return null;
      });
      step("AdminClient alters, lists and deletes consumer group offsets", () -> {
        TopicPartition p0 = new TopicPartition("java-range", 0);
        TopicPartition p1 = new TopicPartition("java-range", 1);
        admin.alterConsumerGroupOffsets("java-range-group", Map.of(p0, new OffsetAndMetadata(3, "rewound"))).all().get();
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets("java-range-group").partitionsToOffsetAndMetadata().get();
        check(offsets.get(p0).offset() == 3 && offsets.get(p0).metadata().equals("rewound"), "altered: " + offsets.get(p0));
        admin.deleteConsumerGroupOffsets("java-range-group", Set.of(p1)).all().get();
        offsets = admin.listConsumerGroupOffsets("java-range-group").partitionsToOffsetAndMetadata().get();
        check(!offsets.containsKey(p1) || offsets.get(p1) == null, "deleted: " + offsets);
        check(offsets.get(new TopicPartition("java-range", 2)).offset() == 10, "the others stay: " + offsets);
        return null;
      });
      step("AdminClient removes a static member from a consumer group", () -> {
        try (KafkaConsumer<String, String> member = consumer("java-static-group", "org.apache.kafka.clients.consumer.RangeAssignor", "static-1")) {
          member.subscribe(List.of("java-range"));
          long deadline = System.currentTimeMillis() + 60_000;
          while (member.assignment().isEmpty()) {
            check(System.currentTimeMillis() < deadline, "the static member joined");
            member.poll(Duration.ofMillis(100));
          }
          ConsumerGroupDescription before = admin.describeConsumerGroups(List.of("java-static-group")).all().get().get("java-static-group");
          check(before.members().size() == 1 && "static-1".equals(before.members().iterator().next().groupInstanceId().orElse(null)), "one static member: " + before.members());
          admin.removeMembersFromConsumerGroup("java-static-group", new RemoveMembersFromConsumerGroupOptions(List.of(new MemberToRemove("static-1")))).all().get();
          ConsumerGroupDescription after = admin.describeConsumerGroups(List.of("java-static-group")).all().get().get("java-static-group");
          check(after.members().isEmpty(), "removed: " + after.members());
        }
        return null;
      });
      step("AdminClient deletes consumer groups", () -> {
        admin.deleteConsumerGroups(List.of("java-range-group")).all().get();
        Collection<ConsumerGroupListing> listed = admin.listConsumerGroups().all().get();
        check(listed.stream().noneMatch(g -> g.groupId().equals("java-range-group")), "deleted: " + listed);
        try {
          admin.deleteConsumerGroups(List.of("java-range-group")).all().get();
          check(false, "deleting it again fails");
        } catch (java.util.concurrent.ExecutionException expected) {
          check(expected.getCause() instanceof org.apache.kafka.common.errors.GroupIdNotFoundException, "GroupIdNotFoundException: " + expected.getCause());
        }
        return null;
      });
    }
    if (failures == 0) System.out.println("ALL PASSED");
    System.exit(failures == 0 ? 0 : 1);
  }
}
`;

test('the Java client 4.1 runs consumer groups (classic range and cooperative-sticky, and group.protocol=consumer) and administers them', requireJavaClient(), async (t) => {
  const broker = await startBroker({ overrides: { 'offsets.topic.num.partitions': '5', 'group.initial.rebalance.delay.ms': '0' } });
  const dir = mkdtempSync(join(tmpdir(), 'fjord-groups-java-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const source = join(dir, 'GroupsCheck.java');
  writeFileSync(source, PROGRAM);
  const result = await runJava(source, [broker.bootstrap], 240_000);
  await reportProgramSteps(t, result);
});
