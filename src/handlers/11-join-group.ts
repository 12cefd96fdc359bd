/**
 * JoinGroup (key 11), v0-9 (Kafka 4.1 advertises from v0 again for librdkafka, KAFKA-19444).
 * Classic group membership through the coordinator's state machine; the response waits for the
 * join phase of the rebalance to end (bounded by the rebalance timeouts).
 *
 * - v0 has no rebalance timeout: it equals the session timeout.
 * - v4+: a new dynamic member first gets MEMBER_ID_REQUIRED with its member id (KIP-394).
 * - v5+: static membership (group.instance.id, KIP-345).
 * - Before v7 the protocol name is not nullable: "" when there is none.
 * - Errors: INVALID_GROUP_ID, INVALID_SESSION_TIMEOUT, UNKNOWN_MEMBER_ID,
 *   INCONSISTENT_GROUP_PROTOCOL, GROUP_MAX_SIZE_REACHED, FENCED_INSTANCE_ID, MEMBER_ID_REQUIRED,
 *   COORDINATOR_NOT_AVAILABLE, REBALANCE_IN_PROGRESS.
 */
import { joinGroupRequest, joinGroupResponse } from '../protocol/index.ts';
import { defineHandler } from './types.ts';

export const joinGroupHandler = defineHandler({
  name: 'JoinGroup',
  request: joinGroupRequest,
  response: joinGroupResponse,
  advertised: { min: 0, max: 9 },
  async handle(request, context) {
    const version = context.header.apiVersion;
    const result = await context.broker.groups.coordinator.joinGroup({
      groupId: request.groupId,
      memberId: request.memberId,
      groupInstanceId: request.groupInstanceId,
      requireKnownMemberId: version >= 4,
      clientId: context.header.clientId ?? '',
      clientHost: `/${context.connection.remoteAddress}`,
      sessionTimeoutMs: request.sessionTimeoutMs,
      rebalanceTimeoutMs: version === 0 ? request.sessionTimeoutMs : request.rebalanceTimeoutMs,
      protocolType: request.protocolType,
      protocols: request.protocols.map((protocol) => ({ name: protocol.name, metadata: protocol.metadata })),
    });
    return {
      throttleTimeMs: 0,
      errorCode: result.errorCode,
      generationId: result.generationId,
      protocolType: result.protocolType,
      protocolName: version >= 7 ? result.protocolName : (result.protocolName ?? ''),
      leader: result.leaderId,
      skipAssignment: result.skipAssignment,
      memberId: result.memberId,
      members: result.members.map((member) => ({ memberId: member.memberId, groupInstanceId: member.groupInstanceId, metadata: member.metadata })),
    };
  },
});
