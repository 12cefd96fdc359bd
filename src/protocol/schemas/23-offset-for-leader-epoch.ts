// OffsetForLeaderEpoch (API key 23): request and response schemas.
// Facts from Kafka's OffsetForLeaderEpochRequest.json / OffsetForLeaderEpochResponse.json, declared in fjord's own format.

import { array, int16, int32, int64, message, string, struct } from '../schema.ts';

export const offsetForLeaderEpochRequest = message({
  apiKey: 23,
  kind: 'request',
  name: 'OffsetForLeaderEpochRequest',
  validVersions: '2-4',
  flexibleVersions: '4+',
  fields: [
    int32('replicaId', '3+', { default: -2, ignorable: true }),
    array('topics', '0+', struct('OffsetForLeaderTopic', [
      string('topic', '0+'),
      array('partitions', '0+', struct('OffsetForLeaderPartition', [
        int32('partition', '0+'),
        int32('currentLeaderEpoch', '2+', { default: -1, ignorable: true }),
        int32('leaderEpoch', '0+'),
      ])),
    ])),
  ],
});

export const offsetForLeaderEpochResponse = message({
  apiKey: 23,
  kind: 'response',
  name: 'OffsetForLeaderEpochResponse',
  validVersions: '2-4',
  flexibleVersions: '4+',
  fields: [
    int32('throttleTimeMs', '2+', { ignorable: true }),
    array('topics', '0+', struct('OffsetForLeaderTopicResult', [
      string('topic', '0+'),
      array('partitions', '0+', struct('EpochEndOffset', [
        int16('errorCode', '0+'),
        int32('partition', '0+'),
        int32('leaderEpoch', '1+', { default: -1, ignorable: true }),
        int64('endOffset', '0+', { default: -1n }),
      ])),
    ])),
  ],
});
