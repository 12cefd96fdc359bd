// Every topic-level config of Apache Kafka 4.1 (LogConfig), with its type, default, validator,
// broker synonyms in Kafka's precedence order (ServerTopicConfigSynonyms) and whether fjord's log
// acts on it. Facts from Kafka 4.1; the documentation is fjord's own wording.
//
// Kafka 4.0 changes reflected here (KIP-1030, KIP-724): segment.bytes is at least 1 MiB (was 14
// bytes); message.timestamp.after.max.ms defaults to one hour (was Long.MAX_VALUE);
// message.format.version and message.timestamp.difference.max.ms are gone;
// message.downconversion.enable is kept by Kafka as a deprecated no-op (down-conversion no longer
// exists), so fjord accepts and describes it but it does nothing.

import type { TopicConfigDefinition } from './types.ts';
import { atLeast, gzipLevel, listOf, LONG_MAX_VALUE, oneOf, range, throttledReplicaList } from './values.ts';

const LONG_MAX = String(LONG_MAX_VALUE);

function topic(definition: TopicConfigDefinition): TopicConfigDefinition {
  return definition;
}

/** Kafka 4.1's topic configs, in the order LogConfig defines them. */
export const TOPIC_CONFIG_DEFINITIONS: readonly TopicConfigDefinition[] = [
  topic({
    name: 'segment.bytes', type: 'INT', defaultValue: '1073741824', validator: atLeast(1048576),
    brokerSynonyms: ['log.segment.bytes'], fjordApplies: true,
    documentation: 'Largest size in bytes of one log segment file; when appending would pass it, a new segment is started.',
  }),
  topic({
    name: 'segment.ms', type: 'LONG', defaultValue: '604800000', validator: atLeast(1),
    brokerSynonyms: ['log.roll.ms', 'log.roll.hours'], fjordApplies: true,
    documentation: 'Time after which the active segment is rolled even if it is not full, so that retention can delete or compact old data.',
  }),
  topic({
    name: 'segment.jitter.ms', type: 'LONG', defaultValue: '0', validator: atLeast(0),
    brokerSynonyms: ['log.roll.jitter.ms', 'log.roll.jitter.hours'], fjordApplies: false,
    documentation: 'Largest random amount subtracted from segment.ms, so that many partitions do not roll at the same moment.',
  }),
  topic({
    name: 'segment.index.bytes', type: 'INT', defaultValue: '10485760', validator: atLeast(4),
    brokerSynonyms: ['log.index.size.max.bytes'], fjordApplies: true,
    documentation: 'Size in bytes reserved for the offset index of each segment; a full index rolls the segment.',
  }),
  topic({
    name: 'flush.messages', type: 'LONG', defaultValue: LONG_MAX, validator: atLeast(1),
    brokerSynonyms: ['log.flush.interval.messages'], fjordApplies: true,
    documentation: 'Number of messages appended after which the log is forced to disk with fsync; the default leaves flushing to the operating system.',
  }),
  topic({
    name: 'flush.ms', type: 'LONG', defaultValue: LONG_MAX, validator: atLeast(0),
    brokerSynonyms: ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'], fjordApplies: true,
    documentation: 'Time in milliseconds after which unflushed data is forced to disk with fsync; the default leaves flushing to the operating system.',
  }),
  topic({
    name: 'retention.bytes', type: 'LONG', defaultValue: '-1',
    brokerSynonyms: ['log.retention.bytes'], fjordApplies: true,
    documentation: 'Size a partition may grow to before its oldest segments are deleted, under the delete policy; -1 means no size limit.',
  }),
  topic({
    name: 'retention.ms', type: 'LONG', defaultValue: '604800000', validator: atLeast(-1),
    brokerSynonyms: ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'], fjordApplies: true,
    documentation: 'How long a segment is kept after its newest record before it is deleted, under the delete policy; -1 keeps data forever.',
  }),
  topic({
    name: 'max.message.bytes', type: 'INT', defaultValue: '1048588', validator: atLeast(0),
    brokerSynonyms: ['message.max.bytes'], fjordApplies: true,
    documentation: 'Largest record batch, after compression, that the topic accepts.',
  }),
  topic({
    name: 'index.interval.bytes', type: 'INT', defaultValue: '4096', validator: atLeast(0),
    brokerSynonyms: ['log.index.interval.bytes'], fjordApplies: true,
    documentation: 'How many bytes of log are written between two entries of the sparse offset index.',
  }),
  topic({
    name: 'delete.retention.ms', type: 'LONG', defaultValue: '86400000', validator: atLeast(0),
    brokerSynonyms: ['log.cleaner.delete.retention.ms'], fjordApplies: false,
    documentation: 'For compacted topics, how long delete markers (tombstones) are kept so that consumers can see them.',
  }),
  topic({
    name: 'min.compaction.lag.ms', type: 'LONG', defaultValue: '0', validator: atLeast(0),
    brokerSynonyms: ['log.cleaner.min.compaction.lag.ms'], fjordApplies: false,
    documentation: 'Shortest time a record stays uncompacted.',
  }),
  topic({
    name: 'max.compaction.lag.ms', type: 'LONG', defaultValue: LONG_MAX, validator: atLeast(1),
    brokerSynonyms: ['log.cleaner.max.compaction.lag.ms'], fjordApplies: false,
    documentation: 'Longest time a record may stay uncompacted before the log becomes eligible for compaction.',
  }),
  topic({
    name: 'file.delete.delay.ms', type: 'LONG', defaultValue: '60000', validator: atLeast(0),
    brokerSynonyms: ['log.segment.delete.delay.ms'], fjordApplies: false,
    documentation: 'How long a segment removed from the log waits before its files are deleted from disk.',
  }),
  topic({
    name: 'min.cleanable.dirty.ratio', type: 'DOUBLE', defaultValue: '0.5', validator: range(0, 1),
    brokerSynonyms: ['log.cleaner.min.cleanable.ratio'], fjordApplies: false,
    documentation: 'Share of uncompacted log above which the cleaner compacts the log.',
  }),
  topic({
    name: 'cleanup.policy', type: 'LIST', defaultValue: 'delete', validator: listOf('compact', 'delete'),
    brokerSynonyms: ['log.cleanup.policy'], fjordApplies: true,
    documentation: 'What happens to old segments: "delete" removes them by time or size, "compact" keeps the latest record per key; both may be given.',
  }),
  topic({
    name: 'unclean.leader.election.enable', type: 'BOOLEAN', defaultValue: 'false',
    brokerSynonyms: ['unclean.leader.election.enable'], fjordApplies: false,
    documentation: 'Whether a replica outside the in-sync set may become leader when no in-sync replica is left, at the risk of losing data.',
  }),
  topic({
    name: 'min.insync.replicas', type: 'INT', defaultValue: '1', validator: atLeast(1),
    brokerSynonyms: ['min.insync.replicas'], fjordApplies: false,
    documentation: 'Fewest in-sync replicas that must acknowledge a write made with acks=all for it to succeed.',
  }),
  topic({
    name: 'compression.type', type: 'STRING', defaultValue: 'producer',
    validator: oneOf('uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'),
    brokerSynonyms: ['compression.type'], fjordApplies: false,
    documentation: 'Codec the topic stores batches with; "producer" keeps whatever codec the producer used.',
  }),
  topic({
    name: 'compression.gzip.level', type: 'INT', defaultValue: '-1', validator: gzipLevel(),
    brokerSynonyms: ['compression.gzip.level'], fjordApplies: false,
    documentation: 'Compression level used when the topic recompresses with gzip.',
  }),
  topic({
    name: 'compression.lz4.level', type: 'INT', defaultValue: '9', validator: range(1, 17),
    brokerSynonyms: ['compression.lz4.level'], fjordApplies: false,
    documentation: 'Compression level used when the topic recompresses with lz4.',
  }),
  topic({
    name: 'compression.zstd.level', type: 'INT', defaultValue: '3', validator: range(-131072, 22),
    brokerSynonyms: ['compression.zstd.level'], fjordApplies: false,
    documentation: 'Compression level used when the topic recompresses with zstd.',
  }),
  topic({
    name: 'preallocate', type: 'BOOLEAN', defaultValue: 'false',
    brokerSynonyms: ['log.preallocate'], fjordApplies: false,
    documentation: 'Whether a new segment file is allocated at full size on disk when it is created.',
  }),
  topic({
    name: 'message.timestamp.type', type: 'STRING', defaultValue: 'CreateTime', validator: oneOf('CreateTime', 'LogAppendTime'),
    brokerSynonyms: ['log.message.timestamp.type'], fjordApplies: true,
    documentation: 'Whether record timestamps are the producer\'s (CreateTime) or the broker\'s time of append (LogAppendTime).',
  }),
  topic({
    name: 'message.timestamp.before.max.ms', type: 'LONG', defaultValue: LONG_MAX, validator: atLeast(0),
    brokerSynonyms: ['log.message.timestamp.before.max.ms'], fjordApplies: true,
    documentation: 'How far in the past a CreateTime timestamp may be, relative to the broker\'s clock, before the batch is rejected.',
  }),
  topic({
    name: 'message.timestamp.after.max.ms', type: 'LONG', defaultValue: '3600000', validator: atLeast(0),
    brokerSynonyms: ['log.message.timestamp.after.max.ms'], fjordApplies: true,
    documentation: 'How far in the future a CreateTime timestamp may be, relative to the broker\'s clock, before the batch is rejected.',
  }),
  topic({
    name: 'leader.replication.throttled.replicas', type: 'LIST', defaultValue: '',
    validator: throttledReplicaList('leader.replication.throttled.replicas'),
    brokerSynonyms: [], fjordApplies: false,
    documentation: 'Replicas (partitionId:brokerId pairs, or * for all) whose log is throttled on the leader side during replication.',
  }),
  topic({
    name: 'follower.replication.throttled.replicas', type: 'LIST', defaultValue: '',
    validator: throttledReplicaList('follower.replication.throttled.replicas'),
    brokerSynonyms: [], fjordApplies: false,
    documentation: 'Replicas (partitionId:brokerId pairs, or * for all) whose log is throttled on the follower side during replication.',
  }),
  topic({
    name: 'message.downconversion.enable', type: 'BOOLEAN', defaultValue: 'true',
    brokerSynonyms: ['log.message.downconversion.enable'], fjordApplies: false,
    documentation: 'Deprecated and without effect since Kafka 4.0, which no longer converts batches to old message formats.',
  }),
  topic({
    name: 'remote.storage.enable', type: 'BOOLEAN', defaultValue: 'false',
    brokerSynonyms: [], fjordApplies: false,
    documentation: 'Whether the topic\'s older segments are moved to tiered (remote) storage.',
  }),
  topic({
    name: 'local.retention.ms', type: 'LONG', defaultValue: '-2', validator: atLeast(-2),
    brokerSynonyms: ['log.local.retention.ms'], fjordApplies: false,
    documentation: 'With tiered storage, how long segments stay on local disk; -2 means use retention.ms.',
  }),
  topic({
    name: 'local.retention.bytes', type: 'LONG', defaultValue: '-2', validator: atLeast(-2),
    brokerSynonyms: ['log.local.retention.bytes'], fjordApplies: false,
    documentation: 'With tiered storage, how many bytes a partition keeps on local disk; -2 means use retention.bytes.',
  }),
  topic({
    name: 'remote.log.copy.disable', type: 'BOOLEAN', defaultValue: 'false',
    brokerSynonyms: [], fjordApplies: false,
    documentation: 'With tiered storage, stops copying new segments to remote storage while keeping what is there readable.',
  }),
  topic({
    name: 'remote.log.delete.on.disable', type: 'BOOLEAN', defaultValue: 'false',
    brokerSynonyms: [], fjordApplies: false,
    documentation: 'Confirms that turning tiered storage off for the topic deletes its remote data.',
  }),
];

export const TOPIC_CONFIGS: ReadonlyMap<string, TopicConfigDefinition> = new Map(
  TOPIC_CONFIG_DEFINITIONS.map((definition) => [definition.name, definition]),
);

/** Factors that turn a broker synonym's unit into the topic config's milliseconds. */
export const SYNONYM_TO_MILLISECONDS: ReadonlyMap<string, bigint> = new Map([
  ['log.roll.hours', 3_600_000n],
  ['log.roll.jitter.hours', 3_600_000n],
  ['log.retention.minutes', 60_000n],
  ['log.retention.hours', 3_600_000n],
]);
