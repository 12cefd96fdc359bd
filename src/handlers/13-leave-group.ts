/**
 * LeaveGroup (key 13), v0-5. v0-2 remove one member by member id; v3+ a batch of members, each
 * by member id or by group.instance.id (KIP-345: an empty member id with an instance id removes
 * whoever holds it, which is how AdminClient.removeMembersFromConsumerGroup works). The group
 * rebalances at once.
 *
 * Per-member errors (v3+): UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID (the instance id is held by
 * another member id). Before v3 the member's error is the top-level error, as Kafka's
 * LeaveGroupResponse folds it.
 */
import { ErrorCode, leaveGroupRequest, leaveGroupResponse } from '../protocol/index.ts';
import { defineHandler } from './types.ts';

export const leaveGroupHandler = defineHandler({
  name: 'LeaveGroup',
  request: leaveGroupRequest,
  response: leaveGroupResponse,
  advertised: { min: 0, max: 5 },
  handle(request, context) {
    const version = context.header.apiVersion;
    const leaving = version >= 3 ? request.members.map((member) => ({ memberId: member.memberId, groupInstanceId: member.groupInstanceId })) : [{ memberId: request.memberId, groupInstanceId: null }];
    const outcome = context.broker.groups.coordinator.leaveGroup(request.groupId, leaving);
    if (version >= 3) {
      return { throttleTimeMs: 0, errorCode: outcome.errorCode, members: outcome.members.map((member) => ({ memberId: member.memberId, groupInstanceId: member.groupInstanceId, errorCode: member.errorCode })) };
    }
    const memberError = outcome.members.find((member) => member.errorCode !== ErrorCode.NONE)?.errorCode ?? ErrorCode.NONE;
    return { throttleTimeMs: 0, errorCode: outcome.errorCode !== ErrorCode.NONE ? outcome.errorCode : memberError };
  },
});
