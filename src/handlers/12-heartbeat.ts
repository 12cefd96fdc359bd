/**
 * Heartbeat (key 12), v0-4. Keeps a classic group member's session alive and tells it whether a
 * rebalance is under way: NONE, REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID,
 * FENCED_INSTANCE_ID (v3+ static members), INVALID_GROUP_ID, COORDINATOR_NOT_AVAILABLE.
 */
import { heartbeatRequest, heartbeatResponse } from '../protocol/index.ts';
import { defineHandler } from './types.ts';

export const heartbeatHandler = defineHandler({
  name: 'Heartbeat',
  request: heartbeatRequest,
  response: heartbeatResponse,
  advertised: { min: 0, max: 4 },
  handle(request, context) {
    const errorCode = context.broker.groups.coordinator.heartbeat({
      groupId: request.groupId,
      memberId: request.memberId,
      groupInstanceId: request.groupInstanceId,
      generationId: request.generationId,
    });
    return { throttleTimeMs: 0, errorCode };
  },
});
