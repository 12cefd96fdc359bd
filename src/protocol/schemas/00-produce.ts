// Produce (API key 0): request and response schemas.
// Facts from Kafka's ProduceRequest.json / ProduceResponse.json, declared in fjord's own format.
// Versions 0-2 are declared although Kafka 4.x's JSON starts at 3: Kafka 4.x still advertises
// Produce from v0 (KAFKA-18659, librdkafka enables compression only if v0 is advertised) and
// rejects v0-2 on the wire; their fields come from the pre-4.0 definition (trunk 2024-10).

import { array, int16, int32, int64, message, records, string, struct, structField, uuid } from '../schema.ts';

export const produceRequest = message({
  apiKey: 0,
  kind: 'request',
  name: 'ProduceRequest',
  validVersions: '0-13',
  flexibleVersions: '9+',
  fields: [
    string('transactionalId', '3+', { nullableVersions: '3+', default: null }),
    int16('acks', '0+'),
    int32('timeoutMs', '0+'),
    array('topicData', '0+', struct('TopicProduceData', [
      string('name', '0-12', { ignorable: true }),
      uuid('topicId', '13+', { ignorable: true }),
      array('partitionData', '0+', struct('PartitionProduceData', [
        int32('index', '0+'),
        records('records', '0+', { nullableVersions: '0+' }),
      ])),
    ])),
  ],
});

export const produceResponse = message({
  apiKey: 0,
  kind: 'response',
  name: 'ProduceResponse',
  validVersions: '0-13',
  flexibleVersions: '9+',
  fields: [
    array('responses', '0+', struct('TopicProduceResponse', [
      string('name', '0-12', { ignorable: true }),
      uuid('topicId', '13+', { ignorable: true }),
      array('partitionResponses', '0+', struct('PartitionProduceResponse', [
        int32('index', '0+'),
        int16('errorCode', '0+'),
        int64('baseOffset', '0+'),
        int64('logAppendTimeMs', '2+', { default: -1n, ignorable: true }),
        int64('logStartOffset', '5+', { default: -1n, ignorable: true }),
        array('recordErrors', '8+', struct('BatchIndexAndErrorMessage', [
          int32('batchIndex', '8+'),
          string('batchIndexErrorMessage', '8+', { nullableVersions: '8+', default: null }),
        ]), { ignorable: true }),
        string('errorMessage', '8+', { nullableVersions: '8+', default: null, ignorable: true }),
        structField('currentLeader', '10+', struct('LeaderIdAndEpoch', [
          int32('leaderId', '10+', { default: -1 }),
          int32('leaderEpoch', '10+', { default: -1 }),
        ]), { taggedVersions: '10+', tag: 0 }),
      ])),
    ])),
    int32('throttleTimeMs', '1+', { default: 0, ignorable: true }),
    array('nodeEndpoints', '10+', struct('NodeEndpoint', [
      int32('nodeId', '10+'),
      string('host', '10+'),
      int32('port', '10+'),
      string('rack', '10+', { nullableVersions: '10+', default: null }),
    ]), { taggedVersions: '10+', tag: 0 }),
  ],
});
