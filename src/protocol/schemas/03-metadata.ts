// Metadata (API key 3): request and response schemas.
// Facts from Kafka's MetadataRequest.json / MetadataResponse.json, declared in fjord's own format.

import { array, bool, int16, int32, message, string, struct, uuid } from '../schema.ts';

export const metadataRequest = message({
  apiKey: 3,
  kind: 'request',
  name: 'MetadataRequest',
  validVersions: '0-13',
  flexibleVersions: '9+',
  fields: [
    array('topics', '0+', struct('MetadataRequestTopic', [
      uuid('topicId', '10+', { ignorable: true }),
      string('name', '0+', { nullableVersions: '10+' }),
    ]), { nullableVersions: '1+' }),
    bool('allowAutoTopicCreation', '4+', { default: true }),
    bool('includeClusterAuthorizedOperations', '8-10'),
    bool('includeTopicAuthorizedOperations', '8+'),
  ],
});

export const metadataResponse = message({
  apiKey: 3,
  kind: 'response',
  name: 'MetadataResponse',
  validVersions: '0-13',
  flexibleVersions: '9+',
  fields: [
    int32('throttleTimeMs', '3+', { ignorable: true }),
    array('brokers', '0+', struct('MetadataResponseBroker', [
      int32('nodeId', '0+'),
      string('host', '0+'),
      int32('port', '0+'),
      string('rack', '1+', { nullableVersions: '1+', default: null, ignorable: true }),
    ])),
    string('clusterId', '2+', { nullableVersions: '2+', default: null, ignorable: true }),
    int32('controllerId', '1+', { default: -1, ignorable: true }),
    array('topics', '0+', struct('MetadataResponseTopic', [
      int16('errorCode', '0+'),
      string('name', '0+', { nullableVersions: '12+' }),
      uuid('topicId', '10+', { ignorable: true }),
      bool('isInternal', '1+', { default: false, ignorable: true }),
      array('partitions', '0+', struct('MetadataResponsePartition', [
        int16('errorCode', '0+'),
        int32('partitionIndex', '0+'),
        int32('leaderId', '0+'),
        int32('leaderEpoch', '7+', { default: -1, ignorable: true }),
        array('replicaNodes', '0+', 'int32'),
        array('isrNodes', '0+', 'int32'),
        array('offlineReplicas', '5+', 'int32', { ignorable: true }),
      ])),
      int32('topicAuthorizedOperations', '8+', { default: -2147483648 }),
    ])),
    int32('clusterAuthorizedOperations', '8-10', { default: -2147483648 }),
    int16('errorCode', '13+', { ignorable: true }),
  ],
});
