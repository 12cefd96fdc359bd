// CreateTopics (API key 19): request and response schemas.
// Facts from Kafka's CreateTopicsRequest.json / CreateTopicsResponse.json, declared in fjord's own format.

import { array, bool, int16, int32, int8, message, string, struct, uuid } from '../schema.ts';

export const createTopicsRequest = message({
  apiKey: 19,
  kind: 'request',
  name: 'CreateTopicsRequest',
  validVersions: '2-7',
  flexibleVersions: '5+',
  fields: [
    array('topics', '0+', struct('CreatableTopic', [
      string('name', '0+'),
      int32('numPartitions', '0+'),
      int16('replicationFactor', '0+'),
      array('assignments', '0+', struct('CreatableReplicaAssignment', [
        int32('partitionIndex', '0+'),
        array('brokerIds', '0+', 'int32'),
      ])),
      array('configs', '0+', struct('CreatableTopicConfig', [
        string('name', '0+'),
        string('value', '0+', { nullableVersions: '0+' }),
      ])),
    ])),
    int32('timeoutMs', '0+', { default: 60000 }),
    bool('validateOnly', '1+', { default: false }),
  ],
});

export const createTopicsResponse = message({
  apiKey: 19,
  kind: 'response',
  name: 'CreateTopicsResponse',
  validVersions: '2-7',
  flexibleVersions: '5+',
  fields: [
    int32('throttleTimeMs', '2+', { ignorable: true }),
    array('topics', '0+', struct('CreatableTopicResult', [
      string('name', '0+'),
      uuid('topicId', '7+', { ignorable: true }),
      int16('errorCode', '0+'),
      string('errorMessage', '1+', { nullableVersions: '0+', ignorable: true }),
      int16('topicConfigErrorCode', '5+', { taggedVersions: '5+', tag: 0, ignorable: true }),
      int32('numPartitions', '5+', { default: -1, ignorable: true }),
      int16('replicationFactor', '5+', { default: -1, ignorable: true }),
      array('configs', '5+', struct('CreatableTopicConfigs', [
        string('name', '5+'),
        string('value', '5+', { nullableVersions: '5+' }),
        bool('readOnly', '5+'),
        int8('configSource', '5+', { default: -1, ignorable: true }),
        bool('isSensitive', '5+'),
      ]), { nullableVersions: '5+', ignorable: true }),
    ])),
  ],
});
