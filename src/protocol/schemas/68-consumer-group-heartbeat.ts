// ConsumerGroupHeartbeat (API key 68): request and response schemas.
// Facts from Kafka's ConsumerGroupHeartbeatRequest.json / ConsumerGroupHeartbeatResponse.json, declared in fjord's own format.

import { array, int16, int32, message, string, struct, structField, uuid } from '../schema.ts';

export const consumerGroupHeartbeatRequest = message({
  apiKey: 68,
  kind: 'request',
  name: 'ConsumerGroupHeartbeatRequest',
  validVersions: '0-1',
  flexibleVersions: '0+',
  fields: [
    string('groupId', '0+'),
    string('memberId', '0+'),
    int32('memberEpoch', '0+'),
    string('instanceId', '0+', { nullableVersions: '0+', default: null }),
    string('rackId', '0+', { nullableVersions: '0+', default: null }),
    int32('rebalanceTimeoutMs', '0+', { default: -1 }),
    array('subscribedTopicNames', '0+', 'string', { nullableVersions: '0+', default: null }),
    string('subscribedTopicRegex', '1+', { nullableVersions: '1+', default: null }),
    string('serverAssignor', '0+', { nullableVersions: '0+', default: null }),
    array('topicPartitions', '0+', struct('TopicPartitions', [
      uuid('topicId', '0+'),
      array('partitions', '0+', 'int32'),
    ]), { nullableVersions: '0+', default: null }),
  ],
});

const consumerGroupHeartbeatResponseTopicPartitions = struct('TopicPartitions', [
  uuid('topicId', '0+'),
  array('partitions', '0+', 'int32'),
]);

export const consumerGroupHeartbeatResponse = message({
  apiKey: 68,
  kind: 'response',
  name: 'ConsumerGroupHeartbeatResponse',
  validVersions: '0-1',
  flexibleVersions: '0+',
  fields: [
    int32('throttleTimeMs', '0+'),
    int16('errorCode', '0+'),
    string('errorMessage', '0+', { nullableVersions: '0+', default: null }),
    string('memberId', '0+', { nullableVersions: '0+', default: null }),
    int32('memberEpoch', '0+'),
    int32('heartbeatIntervalMs', '0+'),
    structField('assignment', '0+', struct('Assignment', [
      array('topicPartitions', '0+', consumerGroupHeartbeatResponseTopicPartitions),
    ]), { nullableVersions: '0+', default: null }),
  ],
});
