/**
 * ListGroups (key 16), v0-5. Every group this node coordinates, with its protocol type; v4+ its
 * state and a state filter, v5+ its type ("classic") and a type filter. Filters match
 * case-insensitively, and an empty filter matches everything, as in Kafka.
 */
import { ErrorCode, listGroupsRequest, listGroupsResponse } from '../protocol/index.ts';
import { defineHandler } from './types.ts';

export const listGroupsHandler = defineHandler({
  name: 'ListGroups',
  request: listGroupsRequest,
  response: listGroupsResponse,
  advertised: { min: 0, max: 5 },
  handle(request, context) {
    const listed = context.broker.groups.coordinator.listGroups(request.statesFilter, request.typesFilter);
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      groups: listed.map((group) => ({ groupId: group.groupId, protocolType: group.protocolType, groupState: group.state, groupType: group.type })),
    };
  },
});
