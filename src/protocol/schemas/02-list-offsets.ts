// ListOffsets (API key 2): request and response schemas.
// Facts from Kafka's ListOffsetsRequest.json / ListOffsetsResponse.json, declared in fjord's own format.

import { array, int16, int32, int64, int8, message, string, struct } from '../schema.ts';

export const listOffsetsRequest = message({
  apiKey: 2,
  kind: 'request',
  name: 'ListOffsetsRequest',
  validVersions: '1-11',
  flexibleVersions: '6+',
  fields: [
    int32('replicaId', '0+'),
    int8('isolationLevel', '2+'),
    array('topics', '0+', struct('ListOffsetsTopic', [
      string('name', '0+'),
      array('partitions', '0+', struct('ListOffsetsPartition', [
        int32('partitionIndex', '0+'),
        int32('currentLeaderEpoch', '4+', { default: -1, ignorable: true }),
        int64('timestamp', '0+'),
        int32('maxNumOffsets', '0', { default: 1 }),
      ])),
    ])),
    int32('timeoutMs', '10+', { ignorable: true }),
  ],
});

export const listOffsetsResponse = message({
  apiKey: 2,
  kind: 'response',
  name: 'ListOffsetsResponse',
  validVersions: '1-11',
  flexibleVersions: '6+',
  fields: [
    int32('throttleTimeMs', '2+', { ignorable: true }),
    array('topics', '0+', struct('ListOffsetsTopicResponse', [
      string('name', '0+'),
      array('partitions', '0+', struct('ListOffsetsPartitionResponse', [
        int32('partitionIndex', '0+'),
        int16('errorCode', '0+'),
        array('oldStyleOffsets', '0', 'int64'),
        int64('timestamp', '1+', { default: -1n }),
        int64('offset', '1+', { default: -1n }),
        int32('leaderEpoch', '4+', { default: -1 }),
      ])),
    ])),
  ],
});
