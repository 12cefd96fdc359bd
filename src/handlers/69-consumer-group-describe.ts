/**
 * ConsumerGroupDescribe (key 69), v0 (the schema declares v0 only; Kafka 4.1 advertises 0-1).
 * Consumer-protocol groups: state (Empty, Assigning, Reconciling, Stable), group and assignment
 * epochs, the assignor, and each member's subscription, current and target assignment. Other
 * groups get GROUP_ID_NOT_FOUND, as in Kafka (clients then use DescribeGroups for classic ones).
 */
import { consumerGroupDescribeRequest, consumerGroupDescribeResponse } from '../protocol/index.ts';
import { AUTHORIZED_OPERATIONS_OMITTED } from './topic-operations.ts';
import { defineHandler } from './types.ts';

/** READ (3), DELETE (6) and DESCRIBE (8): Kafka's operations on a group resource. */
const GROUP_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8);

export const consumerGroupDescribeHandler = defineHandler({
  name: 'ConsumerGroupDescribe',
  request: consumerGroupDescribeRequest,
  response: consumerGroupDescribeResponse,
  advertised: { min: 0, max: 0 },
  handle(request, context) {
    return {
      throttleTimeMs: 0,
      groups: request.groupIds.map((groupId) => {
        const described = context.broker.groups.coordinator.consumerGroupDescribe(groupId);
        return {
          errorCode: described.errorCode,
          errorMessage: described.errorMessage,
          groupId,
          groupState: described.groupState,
          groupEpoch: described.groupEpoch,
          assignmentEpoch: described.assignmentEpoch,
          assignorName: described.assignorName,
          members: described.members.map((member) => ({
            memberId: member.memberId,
            instanceId: member.instanceId,
            rackId: member.rackId,
            memberEpoch: member.memberEpoch,
            clientId: member.clientId,
            clientHost: member.clientHost,
            subscribedTopicNames: member.subscribedTopicNames,
            subscribedTopicRegex: member.subscribedTopicRegex,
            assignment: { topicPartitions: member.assignment },
            targetAssignment: { topicPartitions: member.targetAssignment },
          })),
          authorizedOperations: request.includeAuthorizedOperations ? GROUP_OPERATIONS : AUTHORIZED_OPERATIONS_OMITTED,
        };
      }),
    };
  },
});
