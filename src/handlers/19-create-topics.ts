/**
 * CreateTopics (key 19), v2-7 (Kafka 4.1's range; kafkajs 2.2.4 sends v3, Java 4.x v7). Admin
 * clients send it to the controller Metadata names, which is this node.
 *
 * Per topic, as Kafka 4.1's ControllerApis and ReplicationControlManager answer:
 * - A name given more than once: INVALID_REQUEST "Duplicate topic name." for that name (once),
 *   the others are still created. (Kafka 4.x's KRaft message; the ZooKeeper-era broker said
 *   "Create topics request from client ... contains multiple entries for the following topics".)
 *   Duplicate results come after the others, as Kafka appends them.
 * - `__cluster_metadata`: INVALID_REQUEST "Creation of internal topic __cluster_metadata is prohibited."
 * - Partitions, replication factor (only 1 can be met on a single node), manual assignments,
 *   configs, name validity and collisions: TopicAdmin.createTopic, with Kafka's codes and messages.
 * - validateOnly (v1+): everything checked, nothing created; the result describes the topic
 *   that would have been created.
 * - v5+: numPartitions, replicationFactor and the topic's configs (value, readOnly, source,
 *   isSensitive) in the result, also for validateOnly; -1, -1 and no configs on error.
 * - v7: the new topic's id (zero for validateOnly and errors).
 * - More than MAX_PARTITIONS_PER_OPERATION (10 000) partitions in one request, counted as Kafka's
 *   ReplicationControlManager.validateTotalNumberOfPartitions counts them: every topic gets
 *   POLICY_VIOLATION "Excessively large number of partitions per request." and nothing is created.
 *   This also bounds the work one request can cause.
 * - `create.topic.policy.class.name` is not supported (no policies).
 */
import { createTopicConfigs, describeTopicConfigs } from '../config/index.ts';
import { MAX_PARTITIONS_PER_OPERATION } from '../metadata/metadata-store.ts';
import { createTopicsRequest, createTopicsResponse, ErrorCode, type InputOf } from '../protocol/index.ts';
import { defineHandler } from './types.ts';

type TopicResult = NonNullable<InputOf<typeof createTopicsResponse>['topics']>[number];

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';
const CLUSTER_METADATA_TOPIC = '__cluster_metadata';

function failed(name: string, errorCode: number, errorMessage: string | null): TopicResult {
  return { name, topicId: ZERO_UUID, errorCode, errorMessage, numPartitions: -1, replicationFactor: -1, configs: [] };
}

export const createTopicsHandler = defineHandler({
  name: 'CreateTopics',
  request: createTopicsRequest,
  response: createTopicsResponse,
  advertised: { min: 2, max: 7 },
  async handle(request, context) {
    const { topics } = context.broker;
    let totalPartitions = 0;
    for (const topic of request.topics) {
      if (topic.assignments.length > 0) totalPartitions += topic.assignments.length;
      else if (topic.numPartitions === -1) totalPartitions += topics.config.numPartitions;
      else if (topic.numPartitions > 0) totalPartitions += topic.numPartitions;
    }
    if (totalPartitions > MAX_PARTITIONS_PER_OPERATION) {
      const message = 'Excessively large number of partitions per request.';
      return { throttleTimeMs: 0, topics: request.topics.map((topic) => failed(topic.name, ErrorCode.POLICY_VIOLATION, message)) };
    }
    const counts = new Map<string, number>();
    for (const topic of request.topics) counts.set(topic.name, (counts.get(topic.name) ?? 0) + 1);

    const results: TopicResult[] = [];
    // One at a time: each creation sees the ones before it (collisions within the request).
    for (const topic of request.topics) {
      if ((counts.get(topic.name) ?? 0) > 1) continue;
      if (topic.name === CLUSTER_METADATA_TOPIC) {
        results.push(failed(topic.name, ErrorCode.INVALID_REQUEST, `Creation of internal topic ${CLUSTER_METADATA_TOPIC} is prohibited.`));
        continue;
      }
      const configs = topic.configs.map((config) => ({ name: config.name, value: config.value }));
      // Kafka's ReplicationControlManager wants the assignments in partition order from 0.
      if (topic.assignments.some((assignment, index) => assignment.partitionIndex !== index)) {
        results.push(failed(topic.name, ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'partitions should be a consecutive 0-based integer sequence'));
        continue;
      }
      const assignments = topic.assignments.map((assignment) => assignment.brokerIds);
      const outcome = await topics.createTopic({
        name: topic.name,
        numPartitions: topic.numPartitions,
        replicationFactor: topic.replicationFactor,
        assignments,
        configs,
        validateOnly: request.validateOnly,
      });
      if (outcome.errorCode !== ErrorCode.NONE) {
        results.push(failed(topic.name, outcome.errorCode, outcome.errorMessage));
        continue;
      }
      const config = topics.config;
      const overrides = outcome.topic !== undefined ? new Map(Object.entries(outcome.topic.configs)) : createTopicConfigs(configs, config.layers).configs;
      const numPartitions =
        outcome.topic?.partitionCount ?? (assignments.length > 0 ? assignments.length : topic.numPartitions === -1 ? config.numPartitions : topic.numPartitions);
      const replicationFactor =
        assignments.length > 0 ? (assignments[0]?.length ?? 1) : topic.replicationFactor === -1 ? config.defaultReplicationFactor : topic.replicationFactor;
      results.push({
        name: topic.name,
        topicId: outcome.topic?.topicId ?? ZERO_UUID,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        numPartitions,
        replicationFactor,
        configs: describeTopicConfigs({ overrides, layers: config.layers, includeSynonyms: false, includeDocumentation: false }).map((entry) => ({
          name: entry.name,
          value: entry.value,
          readOnly: entry.readOnly,
          configSource: entry.configSource,
          isSensitive: entry.isSensitive,
        })),
      });
    }
    for (const [name, count] of counts) {
      if (count > 1) results.push(failed(name, ErrorCode.INVALID_REQUEST, 'Duplicate topic name.'));
    }
    return { throttleTimeMs: 0, topics: results };
  },
});
