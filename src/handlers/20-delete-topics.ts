/**
 * DeleteTopics (key 20), v1-6 (Kafka 4.1's range; kafkajs 2.2.4 sends v1). By name, and from v6
 * by topic id. Follows Kafka 4.1's ControllerApis.deleteTopics:
 *
 * - `delete.topic.enable=false`: every topic fails, INVALID_REQUEST before v3 and
 *   TOPIC_DELETION_DISABLED from v3, without a message (Kafka throws for the whole request).
 * - v6 entries: neither name nor id → INVALID_REQUEST "Neither topic name nor id were
 *   specified."; both → "You may not specify both topic name and topic id."; a name or id given
 *   twice → "Duplicate topic name." / "Duplicate topic id." (once); a name whose topic is also
 *   named by id → "The provided topic name maps to an ID that was already supplied.".
 * - Unknown names: UNKNOWN_TOPIC_OR_PARTITION; unknown ids: UNKNOWN_TOPIC_ID (Kafka's default
 *   messages). Deleted topics answer with both name and id.
 * Kafka shuffles the results; fjord answers errors first, then deletions in request order.
 */
import { deleteTopicsRequest, deleteTopicsResponse, ErrorCode, type InputOf } from '../protocol/index.ts';
import { defineHandler } from './types.ts';

type TopicResult = NonNullable<InputOf<typeof deleteTopicsResponse>['responses']>[number];

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';
const UNKNOWN_TOPIC_MESSAGE = 'This server does not host this topic-partition.';
const UNKNOWN_TOPIC_ID_MESSAGE = 'This server does not host this topic ID.';

export const deleteTopicsHandler = defineHandler({
  name: 'DeleteTopics',
  request: deleteTopicsRequest,
  response: deleteTopicsResponse,
  advertised: { min: 1, max: 6 },
  async handle(request, context) {
    const version = context.header.apiVersion;
    const { metadata, topics, config } = context.broker;
    const entries = version >= 6 ? request.topics : request.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));

    if (!config.deleteTopicEnable) {
      const errorCode = version < 3 ? ErrorCode.INVALID_REQUEST : ErrorCode.TOPIC_DELETION_DISABLED;
      return { throttleTimeMs: 0, responses: entries.map((entry) => ({ name: entry.name, topicId: entry.topicId, errorCode, errorMessage: null })) };
    }

    const results: TopicResult[] = [];
    const fail = (name: string | null, topicId: string, errorCode: number, errorMessage: string) => results.push({ name, topicId, errorCode, errorMessage });
    // Sets (insertion-ordered) keep this linear in the request's size.
    const names = new Set<string>();
    const duplicateNames = new Set<string>();
    const ids = new Set<string>();
    const duplicateIds = new Set<string>();
    for (const entry of entries) {
      if (entry.name === null) {
        if (entry.topicId === ZERO_UUID) fail(null, ZERO_UUID, ErrorCode.INVALID_REQUEST, 'Neither topic name nor id were specified.');
        else if (ids.has(entry.topicId)) duplicateIds.add(entry.topicId);
        else ids.add(entry.topicId);
      } else if (entry.topicId !== ZERO_UUID) {
        fail(entry.name, entry.topicId, ErrorCode.INVALID_REQUEST, 'You may not specify both topic name and topic id.');
      } else if (names.has(entry.name)) {
        duplicateNames.add(entry.name);
      } else {
        names.add(entry.name);
      }
    }
    for (const name of duplicateNames) fail(name, ZERO_UUID, ErrorCode.INVALID_REQUEST, 'Duplicate topic name.');
    for (const topicId of duplicateIds) fail(null, topicId, ErrorCode.INVALID_REQUEST, 'Duplicate topic id.');

    // Resolve everything to names before deleting anything.
    const toDelete = new Map<string, string>(); // topic id → name
    for (const topicId of ids) {
      if (duplicateIds.has(topicId)) continue;
      const topic = metadata.topicById(topicId);
      if (topic === undefined) fail(null, topicId, ErrorCode.UNKNOWN_TOPIC_ID, UNKNOWN_TOPIC_ID_MESSAGE);
      else toDelete.set(topicId, topic.name);
    }
    for (const name of names) {
      if (duplicateNames.has(name)) continue;
      const topic = metadata.topic(name);
      if (topic === undefined) {
        fail(name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, UNKNOWN_TOPIC_MESSAGE);
      } else if (toDelete.has(topic.topicId)) {
        toDelete.delete(topic.topicId);
        fail(name, topic.topicId, ErrorCode.INVALID_REQUEST, 'The provided topic name maps to an ID that was already supplied.');
      } else {
        toDelete.set(topic.topicId, name);
      }
    }
    for (const [topicId, name] of toDelete) {
      const outcome = await topics.deleteTopic(name);
      results.push({ name, topicId, errorCode: outcome.errorCode, errorMessage: outcome.errorMessage });
    }
    return { throttleTimeMs: 0, responses: results };
  },
});
