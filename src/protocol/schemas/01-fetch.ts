// Fetch (API key 1): request and response schemas.
// Facts from Kafka's FetchRequest.json / FetchResponse.json, declared in fjord's own format.

import { array, int16, int32, int64, int8, message, records, string, struct, structField, uuid } from '../schema.ts';

export const fetchRequest = message({
  apiKey: 1,
  kind: 'request',
  name: 'FetchRequest',
  validVersions: '4-18',
  flexibleVersions: '12+',
  fields: [
    string('clusterId', '12+', { nullableVersions: '12+', taggedVersions: '12+', tag: 0, default: null, ignorable: true }),
    int32('replicaId', '0-14', { default: -1 }),
    structField('replicaState', '15+', struct('ReplicaState', [
      int32('replicaId', '15+', { default: -1 }),
      int64('replicaEpoch', '15+', { default: -1n }),
    ]), { taggedVersions: '15+', tag: 1 }),
    int32('maxWaitMs', '0+'),
    int32('minBytes', '0+'),
    int32('maxBytes', '3+', { default: 2147483647, ignorable: true }),
    int8('isolationLevel', '4+', { default: 0, ignorable: true }),
    int32('sessionId', '7+', { default: 0, ignorable: true }),
    int32('sessionEpoch', '7+', { default: -1, ignorable: true }),
    array('topics', '0+', struct('FetchTopic', [
      string('topic', '0-12', { ignorable: true }),
      uuid('topicId', '13+', { ignorable: true }),
      array('partitions', '0+', struct('FetchPartition', [
        int32('partition', '0+'),
        int32('currentLeaderEpoch', '9+', { default: -1, ignorable: true }),
        int64('fetchOffset', '0+'),
        int32('lastFetchedEpoch', '12+', { default: -1 }),
        int64('logStartOffset', '5+', { default: -1n, ignorable: true }),
        int32('partitionMaxBytes', '0+'),
        uuid('replicaDirectoryId', '17+', { taggedVersions: '17+', tag: 0, ignorable: true }),
        int64('highWatermark', '18+', { taggedVersions: '18+', tag: 1, default: 9223372036854775807n, ignorable: true }),
      ])),
    ])),
    array('forgottenTopicsData', '7+', struct('ForgottenTopic', [
      string('topic', '7-12', { ignorable: true }),
      uuid('topicId', '13+', { ignorable: true }),
      array('partitions', '7+', 'int32'),
    ])),
    string('rackId', '11+', { default: "", ignorable: true }),
  ],
});

export const fetchResponse = message({
  apiKey: 1,
  kind: 'response',
  name: 'FetchResponse',
  validVersions: '4-18',
  flexibleVersions: '12+',
  fields: [
    int32('throttleTimeMs', '1+', { ignorable: true }),
    int16('errorCode', '7+', { ignorable: true }),
    int32('sessionId', '7+', { default: 0 }),
    array('responses', '0+', struct('FetchableTopicResponse', [
      string('topic', '0-12', { ignorable: true }),
      uuid('topicId', '13+', { ignorable: true }),
      array('partitions', '0+', struct('PartitionData', [
        int32('partitionIndex', '0+'),
        int16('errorCode', '0+'),
        int64('highWatermark', '0+'),
        int64('lastStableOffset', '4+', { default: -1n, ignorable: true }),
        int64('logStartOffset', '5+', { default: -1n, ignorable: true }),
        structField('divergingEpoch', '12+', struct('EpochEndOffset', [
          int32('epoch', '12+', { default: -1 }),
          int64('endOffset', '12+', { default: -1n }),
        ]), { taggedVersions: '12+', tag: 0 }),
        structField('currentLeader', '12+', struct('LeaderIdAndEpoch', [
          int32('leaderId', '12+', { default: -1 }),
          int32('leaderEpoch', '12+', { default: -1 }),
        ]), { taggedVersions: '12+', tag: 1 }),
        structField('snapshotId', '12+', struct('SnapshotId', [
          int64('endOffset', '0+', { default: -1n }),
          int32('epoch', '0+', { default: -1 }),
        ]), { taggedVersions: '12+', tag: 2 }),
        array('abortedTransactions', '4+', struct('AbortedTransaction', [
          int64('producerId', '4+'),
          int64('firstOffset', '4+'),
        ]), { nullableVersions: '4+', ignorable: true }),
        int32('preferredReadReplica', '11+', { default: -1 }),
        records('records', '0+', { nullableVersions: '0+' }),
      ])),
    ])),
    array('nodeEndpoints', '16+', struct('NodeEndpoint', [
      int32('nodeId', '16+'),
      string('host', '16+'),
      int32('port', '16+'),
      string('rack', '16+', { nullableVersions: '16+', default: null }),
    ]), { taggedVersions: '16+', tag: 0 }),
  ],
});
