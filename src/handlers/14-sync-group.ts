/**
 * SyncGroup (key 14), v0-5. The leader sends the assignment it computed; every member gets its
 * own once the group's state is written to `__consumer_offsets`. Followers wait (bounded by the
 * rebalance timeout after which members that did not sync are removed).
 *
 * - v3+: group.instance.id (static members; FENCED_INSTANCE_ID).
 * - v5+: protocol type and name, checked against the group's (INCONSISTENT_GROUP_PROTOCOL) and
 *   returned.
 * - Errors: UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, REBALANCE_IN_PROGRESS, INVALID_GROUP_ID,
 *   COORDINATOR_NOT_AVAILABLE, and the write's (UNKNOWN_SERVER_ERROR for a group too large for
 *   one record, as Kafka maps MESSAGE_TOO_LARGE).
 */
import { syncGroupRequest, syncGroupResponse } from '../protocol/index.ts';
import { defineHandler } from './types.ts';

export const syncGroupHandler = defineHandler({
  name: 'SyncGroup',
  request: syncGroupRequest,
  response: syncGroupResponse,
  advertised: { min: 0, max: 5 },
  async handle(request, context) {
    const result = await context.broker.groups.coordinator.syncGroup({
      groupId: request.groupId,
      memberId: request.memberId,
      groupInstanceId: request.groupInstanceId,
      generationId: request.generationId,
      protocolType: request.protocolType,
      protocolName: request.protocolName,
      assignments: request.assignments.map((entry) => ({ memberId: entry.memberId, assignment: entry.assignment })),
    });
    return { throttleTimeMs: 0, errorCode: result.errorCode, protocolType: result.protocolType, protocolName: result.protocolName, assignment: result.assignment };
  },
});
