// ConsumerGroupDescribe (API key 69): request and response schemas.
// Facts from Kafka's ConsumerGroupDescribeRequest.json / ConsumerGroupDescribeResponse.json, declared in fjord's own format.
// Only v0 is declared: Kafka 4.1 advertises 0-1, but the reference definitions at hand (trunk
// 2024-10) stop at v0; v1 waits for its definition.

import { array, bool, int16, int32, message, string, struct, structField, uuid } from '../schema.ts';

export const consumerGroupDescribeRequest = message({
  apiKey: 69,
  kind: 'request',
  name: 'ConsumerGroupDescribeRequest',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    array('groupIds', '0+', 'string'),
    bool('includeAuthorizedOperations', '0+'),
  ],
});

const consumerGroupDescribeResponseTopicPartitions = struct('TopicPartitions', [
  uuid('topicId', '0+'),
  string('topicName', '0+'),
  array('partitions', '0+', 'int32'),
]);

const consumerGroupDescribeResponseAssignment = struct('Assignment', [
  array('topicPartitions', '0+', consumerGroupDescribeResponseTopicPartitions),
]);

export const consumerGroupDescribeResponse = message({
  apiKey: 69,
  kind: 'response',
  name: 'ConsumerGroupDescribeResponse',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    int32('throttleTimeMs', '0+'),
    array('groups', '0+', struct('DescribedGroup', [
      int16('errorCode', '0+'),
      string('errorMessage', '0+', { nullableVersions: '0+', default: null }),
      string('groupId', '0+'),
      string('groupState', '0+'),
      int32('groupEpoch', '0+'),
      int32('assignmentEpoch', '0+'),
      string('assignorName', '0+'),
      array('members', '0+', struct('Member', [
        string('memberId', '0+'),
        string('instanceId', '0+', { nullableVersions: '0+', default: null }),
        string('rackId', '0+', { nullableVersions: '0+', default: null }),
        int32('memberEpoch', '0+'),
        string('clientId', '0+'),
        string('clientHost', '0+'),
        array('subscribedTopicNames', '0+', 'string'),
        string('subscribedTopicRegex', '0+', { nullableVersions: '0+', default: null }),
        structField('assignment', '0+', consumerGroupDescribeResponseAssignment),
        structField('targetAssignment', '0+', consumerGroupDescribeResponseAssignment),
      ])),
      int32('authorizedOperations', '0+', { default: -2147483648 }),
    ])),
  ],
});
