// OffsetCommit (API key 8): request and response schemas.
// Facts from Kafka's OffsetCommitRequest.json / OffsetCommitResponse.json, declared in fjord's own format.

import { array, int16, int32, int64, message, string, struct, uuid } from '../schema.ts';

export const offsetCommitRequest = message({
  apiKey: 8,
  kind: 'request',
  name: 'OffsetCommitRequest',
  validVersions: '2-10',
  flexibleVersions: '8+',
  fields: [
    string('groupId', '0+'),
    int32('generationIdOrMemberEpoch', '1+', { default: -1, ignorable: true }),
    string('memberId', '1+', { ignorable: true }),
    string('groupInstanceId', '7+', { nullableVersions: '7+', default: null }),
    int64('retentionTimeMs', '2-4', { default: -1n, ignorable: true }),
    array('topics', '0+', struct('OffsetCommitRequestTopic', [
      string('name', '0-9', { ignorable: true }),
      uuid('topicId', '10+', { ignorable: true }),
      array('partitions', '0+', struct('OffsetCommitRequestPartition', [
        int32('partitionIndex', '0+'),
        int64('committedOffset', '0+'),
        int32('committedLeaderEpoch', '6+', { default: -1, ignorable: true }),
        int64('commitTimestamp', '1', { default: -1n }),
        string('committedMetadata', '0+', { nullableVersions: '0+' }),
      ])),
    ])),
  ],
});

export const offsetCommitResponse = message({
  apiKey: 8,
  kind: 'response',
  name: 'OffsetCommitResponse',
  validVersions: '2-10',
  flexibleVersions: '8+',
  fields: [
    int32('throttleTimeMs', '3+', { ignorable: true }),
    array('topics', '0+', struct('OffsetCommitResponseTopic', [
      string('name', '0-9', { ignorable: true }),
      uuid('topicId', '10+', { ignorable: true }),
      array('partitions', '0+', struct('OffsetCommitResponsePartition', [
        int32('partitionIndex', '0+'),
        int16('errorCode', '0+'),
      ])),
    ])),
  ],
});
