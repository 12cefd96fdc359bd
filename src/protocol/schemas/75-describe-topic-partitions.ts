// DescribeTopicPartitions (API key 75): request and response schemas.
// Facts from Kafka's DescribeTopicPartitionsRequest.json / DescribeTopicPartitionsResponse.json, declared in fjord's own format.

import { array, bool, int16, int32, message, string, struct, structField, uuid } from '../schema.ts';

export const describeTopicPartitionsRequest = message({
  apiKey: 75,
  kind: 'request',
  name: 'DescribeTopicPartitionsRequest',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    array('topics', '0+', struct('TopicRequest', [
      string('name', '0+'),
    ])),
    int32('responsePartitionLimit', '0+', { default: 2000 }),
    structField('cursor', '0+', struct('Cursor', [
      string('topicName', '0+'),
      int32('partitionIndex', '0+'),
    ]), { nullableVersions: '0+', default: null }),
  ],
});

export const describeTopicPartitionsResponse = message({
  apiKey: 75,
  kind: 'response',
  name: 'DescribeTopicPartitionsResponse',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    int32('throttleTimeMs', '0+', { ignorable: true }),
    array('topics', '0+', struct('DescribeTopicPartitionsResponseTopic', [
      int16('errorCode', '0+'),
      string('name', '0+', { nullableVersions: '0+' }),
      uuid('topicId', '0+', { ignorable: true }),
      bool('isInternal', '0+', { default: false, ignorable: true }),
      array('partitions', '0+', struct('DescribeTopicPartitionsResponsePartition', [
        int16('errorCode', '0+'),
        int32('partitionIndex', '0+'),
        int32('leaderId', '0+'),
        int32('leaderEpoch', '0+', { default: -1, ignorable: true }),
        array('replicaNodes', '0+', 'int32'),
        array('isrNodes', '0+', 'int32'),
        array('eligibleLeaderReplicas', '0+', 'int32', { nullableVersions: '0+', default: null }),
        array('lastKnownElr', '0+', 'int32', { nullableVersions: '0+', default: null }),
        array('offlineReplicas', '0+', 'int32', { ignorable: true }),
      ])),
      int32('topicAuthorizedOperations', '0+', { default: -2147483648 }),
    ])),
    structField('nextCursor', '0+', struct('Cursor', [
      string('topicName', '0+'),
      int32('partitionIndex', '0+'),
    ]), { nullableVersions: '0+', default: null }),
  ],
});
