/**
 * CreatePartitions (key 37), v0-3 (Kafka 4.1's range; kafkajs 2.2.4 sends v1). Adds partitions
 * to existing topics (TopicAdmin.createPartitions: Kafka's checks and messages for counts that
 * are not an increase, unknown topics and manual assignments, which on a single node may only
 * name this broker). A topic named twice gets INVALID_REQUEST "Duplicate topic name." (once,
 * first, as Kafka 4.1's ControllerApis answers) and is not changed. validateOnly checks without
 * adding. New partitions are created empty and are usable at once. A request that would add more
 * than MAX_PARTITIONS_PER_OPERATION (10 000) partitions in all fails whole with POLICY_VIOLATION
 * "Unable to perform excessively large batch operation.", as Kafka's controller answers a batch
 * over its record bound; this also bounds the work one request can cause.
 */
import { MAX_PARTITIONS_PER_OPERATION } from '../metadata/metadata-store.ts';
import { createPartitionsRequest, createPartitionsResponse, ErrorCode, type InputOf } from '../protocol/index.ts';
import { defineHandler } from './types.ts';

type TopicResult = NonNullable<InputOf<typeof createPartitionsResponse>['results']>[number];

export const createPartitionsHandler = defineHandler({
  name: 'CreatePartitions',
  request: createPartitionsRequest,
  response: createPartitionsResponse,
  advertised: { min: 0, max: 3 },
  async handle(request, context) {
    const { topics, metadata } = context.broker;
    let added = 0;
    for (const topic of request.topics) {
      const current = metadata.topic(topic.name)?.partitionCount;
      if (current !== undefined && topic.count > current) added += topic.count - current;
    }
    if (added > MAX_PARTITIONS_PER_OPERATION) {
      const errorMessage = 'Unable to perform excessively large batch operation.';
      return { throttleTimeMs: 0, results: request.topics.map((topic) => ({ name: topic.name, errorCode: ErrorCode.POLICY_VIOLATION, errorMessage })) };
    }
    const seen = new Set<string>();
    const duplicates = new Set<string>();
    for (const topic of request.topics) {
      if (seen.has(topic.name)) duplicates.add(topic.name);
      seen.add(topic.name);
    }
    const results: TopicResult[] = [...duplicates].map((name) => ({ name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic name.' }));
    for (const topic of request.topics) {
      if (duplicates.has(topic.name)) continue;
      const assignments = topic.assignments === null ? null : topic.assignments.map((assignment) => assignment.brokerIds);
      const outcome = await topics.createPartitions(topic.name, topic.count, assignments, request.validateOnly);
      results.push({ name: topic.name, errorCode: outcome.errorCode, errorMessage: outcome.errorMessage });
    }
    return { throttleTimeMs: 0, results };
  },
});
