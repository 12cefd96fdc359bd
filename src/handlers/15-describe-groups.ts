/**
 * DescribeGroups (key 15), v0-6. Per group: state, protocol type, and members. As in Kafka, the
 * selected protocol, each member's metadata and assignment are filled only when the group is
 * Stable. An unknown group is described as Dead: with no error before v6, and with
 * GROUP_ID_NOT_FOUND from v6 (KIP-1043); so is a group running the consumer protocol, which
 * ConsumerGroupDescribe describes, as in Kafka 4.x. Authorized operations (v3+) are all of a group's when
 * asked for, as with no authorizer.
 */
import { ErrorCode, describeGroupsRequest, describeGroupsResponse } from '../protocol/index.ts';
import { AUTHORIZED_OPERATIONS_OMITTED } from './topic-operations.ts';
import { defineHandler } from './types.ts';

/** READ (3), DELETE (6) and DESCRIBE (8): Kafka's operations on a group resource. */
const GROUP_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8);

export const describeGroupsHandler = defineHandler({
  name: 'DescribeGroups',
  request: describeGroupsRequest,
  response: describeGroupsResponse,
  advertised: { min: 0, max: 6 },
  handle(request, context) {
    const version = context.header.apiVersion;
    return {
      throttleTimeMs: 0,
      groups: request.groups.map((groupId) => {
        const described = context.broker.groups.coordinator.describeGroup(groupId);
        const notFound = described.errorCode === ErrorCode.GROUP_ID_NOT_FOUND;
        return {
          errorCode: notFound && version < 6 ? ErrorCode.NONE : described.errorCode,
          errorMessage: notFound && version >= 6 ? (described.notClassic === true ? `Group ${groupId} is not a classic group.` : `Group ${groupId} not found.`) : null,
          groupId,
          groupState: described.state,
          protocolType: described.protocolType,
          protocolData: described.protocolName,
          members: described.members.map((member) => ({
            memberId: member.memberId,
            groupInstanceId: member.groupInstanceId,
            clientId: member.clientId,
            clientHost: member.clientHost,
            memberMetadata: member.metadata,
            memberAssignment: member.assignment,
          })),
          authorizedOperations: request.includeAuthorizedOperations ? GROUP_OPERATIONS : AUTHORIZED_OPERATIONS_OMITTED,
        };
      }),
    };
  },
});
