/**
 * Metadata (key 3), v0-13. Topics and partitions, the broker list (this node) and the
 * controller (this node, which is where admin clients send CreateTopics and friends).
 *
 * - All topics when `topics` is null (v1+) or empty in v0; none when empty in v1+.
 * - Topics can be named by id from v12 (UNKNOWN_TOPIC_ID when unknown); in v10-11, whose
 *   requests carry an id field but whose responses cannot carry a null name, a null name or a
 *   non-zero id gets INVALID_REQUEST for every topic, as Kafka answers.
 * - A missing topic is created when the broker's `auto.create.topics.enable` is on and the
 *   request allows it (`allowAutoTopicCreation`, v4+; always before v4), with `num.partitions`
 *   and the broker's defaults. On a single node the topic is usable at once, so it is returned
 *   complete instead of with LEADER_NOT_AVAILABLE as a Kafka cluster answers while the
 *   controller spreads it.
 * - Invalid names get INVALID_TOPIC_EXCEPTION, unknown ones UNKNOWN_TOPIC_OR_PARTITION.
 */
import type { MetadataStore, TopicRecord } from '../metadata/metadata-store.ts';
import { validateTopicName } from '../metadata/metadata-store.ts';
import { ErrorCode, metadataRequest, metadataResponse, type InputOf } from '../protocol/index.ts';
import { AUTHORIZED_OPERATIONS_OMITTED, CLUSTER_OPERATIONS, TOPIC_OPERATIONS } from './topic-operations.ts';
import { defineHandler, type RequestContext } from './types.ts';

type TopicReply = NonNullable<InputOf<typeof metadataResponse>['topics']>[number];

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

export function describeTopic(topic: TopicRecord, nodeId: number, includeOperations: boolean): TopicReply {
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    topicId: topic.topicId,
    isInternal: topic.internal,
    partitions: Array.from({ length: topic.partitionCount }, (_, partitionIndex) => ({
      errorCode: ErrorCode.NONE,
      partitionIndex,
      leaderId: nodeId,
      leaderEpoch: 0,
      replicaNodes: [nodeId],
      isrNodes: [nodeId],
      offlineReplicas: [],
    })),
    topicAuthorizedOperations: includeOperations ? TOPIC_OPERATIONS : AUTHORIZED_OPERATIONS_OMITTED,
  };
}

function missingTopic(name: string | null, topicId: string, errorCode: number): TopicReply {
  return { errorCode, name, topicId, isInternal: false, partitions: [] };
}

async function resolveByName(name: string, autoCreate: boolean, context: RequestContext): Promise<TopicReply | TopicRecord> {
  const { metadata, topics } = context.broker;
  const existing = metadata.topic(name);
  if (existing !== undefined) return existing;
  if (validateTopicName(name) !== null) return missingTopic(name, ZERO_UUID, ErrorCode.INVALID_TOPIC_EXCEPTION);
  if (!autoCreate || !context.broker.config.autoCreateTopicsEnable) {
    return missingTopic(name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  }
  const created = await topics.createTopic({ name, numPartitions: -1, replicationFactor: -1, configs: [], validateOnly: false });
  if (created.errorCode === ErrorCode.NONE || created.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS) {
    const topic = metadata.topic(name);
    if (topic !== undefined) return topic;
  }
  return missingTopic(name, ZERO_UUID, created.errorCode === ErrorCode.POLICY_VIOLATION ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : created.errorCode);
}

function allTopics(metadata: MetadataStore): readonly TopicRecord[] {
  return metadata.topics();
}

export const metadataHandler = defineHandler({
  name: 'Metadata',
  request: metadataRequest,
  response: metadataResponse,
  advertised: { min: 0, max: 13 },
  async handle(request, context) {
    const { metadata, config } = context.broker;
    const version = context.header.apiVersion;
    const nodeId = metadata.nodeId;
    const includeOperations = request.includeTopicAuthorizedOperations;
    const autoCreate = version < 4 ? true : request.allowAutoTopicCreation;
    const wantsAll = request.topics === null || (version === 0 && request.topics.length === 0);

    if (!wantsAll && version < 12 && (request.topics ?? []).some((wanted) => wanted.name === null || wanted.topicId !== ZERO_UUID)) {
      // Kafka's KafkaApis throws InvalidRequestException here, answered by
      // MetadataRequest.getErrorResponse: every topic INVALID_REQUEST, a null name as "" (the
      // v10-11 response cannot carry a null name).
      return {
        throttleTimeMs: 0,
        brokers: [],
        clusterId: null,
        controllerId: -1,
        topics: (request.topics ?? []).map((wanted) => ({ errorCode: ErrorCode.INVALID_REQUEST, name: wanted.name ?? '', topicId: wanted.topicId, isInternal: false, partitions: [] })),
        clusterAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
        errorCode: ErrorCode.NONE,
      };
    }
    const replies: TopicReply[] = [];
    if (wantsAll) {
      for (const topic of allTopics(metadata)) replies.push(describeTopic(topic, nodeId, includeOperations));
    } else {
      // Kafka answers each requested topic once, however often it is named (it takes a set).
      const asked = new Set<string>();
      for (const wanted of request.topics ?? []) {
        const key = wanted.name === null ? `id:${wanted.topicId}` : `name:${wanted.name}`;
        if (asked.has(key)) continue;
        asked.add(key);
        let resolved: TopicReply | TopicRecord;
        if (wanted.name === null || (version >= 10 && wanted.topicId !== ZERO_UUID && wanted.name === null)) {
          const topic = metadata.topicById(wanted.topicId);
          resolved = topic ?? missingTopic(null, wanted.topicId, ErrorCode.UNKNOWN_TOPIC_ID);
        } else {
          resolved = await resolveByName(wanted.name, autoCreate, context);
        }
        replies.push('partitionCount' in resolved ? describeTopic(resolved, nodeId, includeOperations) : resolved);
      }
    }
    const endpoint = context.broker.endpointFor(context.connection.listenerName);
    return {
      throttleTimeMs: 0,
      brokers: [{ nodeId, host: endpoint.host, port: endpoint.port, rack: config.brokerRack }],
      clusterId: metadata.clusterId,
      controllerId: nodeId,
      topics: replies,
      clusterAuthorizedOperations: request.includeClusterAuthorizedOperations ? CLUSTER_OPERATIONS : AUTHORIZED_OPERATIONS_OMITTED,
      errorCode: ErrorCode.NONE,
    };
  },
});
