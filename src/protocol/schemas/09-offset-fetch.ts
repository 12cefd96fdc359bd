// OffsetFetch (API key 9): request and response schemas.
// Facts from Kafka's OffsetFetchRequest.json / OffsetFetchResponse.json, declared in fjord's own format.

import { array, bool, int16, int32, int64, message, string, struct, uuid } from '../schema.ts';

export const offsetFetchRequest = message({
  apiKey: 9,
  kind: 'request',
  name: 'OffsetFetchRequest',
  validVersions: '1-10',
  flexibleVersions: '6+',
  fields: [
    string('groupId', '0-7'),
    array('topics', '0-7', struct('OffsetFetchRequestTopic', [
      string('name', '0-7'),
      array('partitionIndexes', '0-7', 'int32'),
    ]), { nullableVersions: '2-7' }),
    array('groups', '8+', struct('OffsetFetchRequestGroup', [
      string('groupId', '8+'),
      string('memberId', '9+', { nullableVersions: '9+', default: null, ignorable: true }),
      int32('memberEpoch', '9+', { default: -1, ignorable: true }),
      array('topics', '8+', struct('OffsetFetchRequestTopics', [
        string('name', '8-9', { ignorable: true }),
        uuid('topicId', '10+', { ignorable: true }),
        array('partitionIndexes', '8+', 'int32'),
      ]), { nullableVersions: '8+' }),
    ])),
    bool('requireStable', '7+', { default: false }),
  ],
});

export const offsetFetchResponse = message({
  apiKey: 9,
  kind: 'response',
  name: 'OffsetFetchResponse',
  validVersions: '1-10',
  flexibleVersions: '6+',
  fields: [
    int32('throttleTimeMs', '3+', { ignorable: true }),
    array('topics', '0-7', struct('OffsetFetchResponseTopic', [
      string('name', '0-7'),
      array('partitions', '0-7', struct('OffsetFetchResponsePartition', [
        int32('partitionIndex', '0-7'),
        int64('committedOffset', '0-7'),
        int32('committedLeaderEpoch', '5-7', { default: -1, ignorable: true }),
        string('metadata', '0-7', { nullableVersions: '0-7' }),
        int16('errorCode', '0-7'),
      ])),
    ])),
    int16('errorCode', '2-7', { default: 0, ignorable: true }),
    array('groups', '8+', struct('OffsetFetchResponseGroup', [
      string('groupId', '8+'),
      array('topics', '8+', struct('OffsetFetchResponseTopics', [
        string('name', '8-9', { ignorable: true }),
        uuid('topicId', '10+', { ignorable: true }),
        array('partitions', '8+', struct('OffsetFetchResponsePartitions', [
          int32('partitionIndex', '8+'),
          int64('committedOffset', '8+'),
          int32('committedLeaderEpoch', '8+', { default: -1, ignorable: true }),
          string('metadata', '8+', { nullableVersions: '8+' }),
          int16('errorCode', '8+'),
        ])),
      ])),
      int16('errorCode', '8+', { default: 0 }),
    ])),
  ],
});
