/**
 * ConsumerGroupHeartbeat (key 68), v0-1: the consumer group protocol (KIP-848). Joins (epoch 0),
 * heartbeats, leaves (epoch -1, or -2 for a static member's temporary leave), and hands out the
 * server-side assignor's (uniform, range) assignment incrementally: partitions are revoked before
 * they are given to another member. v1 (KIP-1082): the client chooses its member id, and may
 * subscribe by regular expression (full match, as Kafka's RE2/J).
 *
 * Errors: INVALID_REQUEST (malformed first request), UNKNOWN_MEMBER_ID, FENCED_MEMBER_EPOCH,
 * FENCED_INSTANCE_ID, UNRELEASED_INSTANCE_ID, UNSUPPORTED_ASSIGNOR, INVALID_REGULAR_EXPRESSION,
 * GROUP_MAX_SIZE_REACHED, GROUP_ID_NOT_FOUND (a classic group with members), and
 * UNSUPPORTED_VERSION when `consumer` is not in group.coordinator.rebalance.protocols.
 */
import { consumerGroupHeartbeatRequest, consumerGroupHeartbeatResponse, ErrorCode } from '../protocol/index.ts';
import { defineHandler } from './types.ts';

export const consumerGroupHeartbeatHandler = defineHandler({
  name: 'ConsumerGroupHeartbeat',
  request: consumerGroupHeartbeatRequest,
  response: consumerGroupHeartbeatResponse,
  advertised: { min: 0, max: 1 },
  async handle(request, context) {
    const { config, groups } = context.broker;
    if (!config.groupCoordinatorRebalanceProtocols.includes('consumer')) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.UNSUPPORTED_VERSION, errorMessage: 'The consumer group protocol is not enabled (group.coordinator.rebalance.protocols).', memberId: null, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null };
    }
    const result = await groups.coordinator.consumerGroupHeartbeat({
      groupId: request.groupId,
      memberId: request.memberId,
      memberEpoch: request.memberEpoch,
      instanceId: request.instanceId,
      rackId: request.rackId,
      rebalanceTimeoutMs: request.rebalanceTimeoutMs,
      subscribedTopicNames: request.subscribedTopicNames,
      subscribedTopicRegex: request.subscribedTopicRegex,
      serverAssignor: request.serverAssignor,
      topicPartitions: request.topicPartitions,
      clientId: context.header.clientId ?? '',
      clientHost: `/${context.connection.remoteAddress}`,
      requestVersion: context.header.apiVersion,
    });
    return {
      throttleTimeMs: 0,
      errorCode: result.errorCode,
      errorMessage: result.errorMessage,
      memberId: result.memberId,
      memberEpoch: result.memberEpoch,
      heartbeatIntervalMs: result.heartbeatIntervalMs,
      assignment: result.assignment === null ? null : { topicPartitions: result.assignment },
    };
  },
});
