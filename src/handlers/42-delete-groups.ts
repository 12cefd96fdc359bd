/**
 * DeleteGroups (key 42), v0-2. Deletes empty groups with their offsets (tombstones in
 * `__consumer_offsets`). Per group: GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP (members remain),
 * INVALID_GROUP_ID (empty id).
 */
import { deleteGroupsRequest, deleteGroupsResponse } from '../protocol/index.ts';
import { defineHandler } from './types.ts';

export const deleteGroupsHandler = defineHandler({
  name: 'DeleteGroups',
  request: deleteGroupsRequest,
  response: deleteGroupsResponse,
  advertised: { min: 0, max: 2 },
  async handle(request, context) {
    const results: Array<{ groupId: string; errorCode: number }> = [];
    for (const groupId of new Set(request.groupsNames)) results.push({ groupId, errorCode: await context.broker.groups.coordinator.deleteGroup(groupId) });
    return { throttleTimeMs: 0, results };
  },
});
