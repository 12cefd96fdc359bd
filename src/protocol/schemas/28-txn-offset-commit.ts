// TxnOffsetCommit (API key 28): request and response schemas.
// Facts from Kafka's TxnOffsetCommitRequest.json / TxnOffsetCommitResponse.json, declared in fjord's own format.

import { array, int16, int32, int64, message, string, struct } from '../schema.ts';

export const txnOffsetCommitRequest = message({
  apiKey: 28,
  kind: 'request',
  name: 'TxnOffsetCommitRequest',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    string('transactionalId', '0+'),
    string('groupId', '0+'),
    int64('producerId', '0+'),
    int16('producerEpoch', '0+'),
    int32('generationId', '3+', { default: -1 }),
    string('memberId', '3+', { default: "" }),
    string('groupInstanceId', '3+', { nullableVersions: '3+', default: null }),
    array('topics', '0+', struct('TxnOffsetCommitRequestTopic', [
      string('name', '0+'),
      array('partitions', '0+', struct('TxnOffsetCommitRequestPartition', [
        int32('partitionIndex', '0+'),
        int64('committedOffset', '0+'),
        int32('committedLeaderEpoch', '2+', { default: -1, ignorable: true }),
        string('committedMetadata', '0+', { nullableVersions: '0+' }),
      ])),
    ])),
  ],
});

export const txnOffsetCommitResponse = message({
  apiKey: 28,
  kind: 'response',
  name: 'TxnOffsetCommitResponse',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    int32('throttleTimeMs', '0+'),
    array('topics', '0+', struct('TxnOffsetCommitResponseTopic', [
      string('name', '0+'),
      array('partitions', '0+', struct('TxnOffsetCommitResponsePartition', [
        int32('partitionIndex', '0+'),
        int16('errorCode', '0+'),
      ])),
    ])),
  ],
});
