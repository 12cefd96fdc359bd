// OffsetDelete (API key 47): request and response schemas.
// Facts from Kafka's OffsetDeleteRequest.json / OffsetDeleteResponse.json, declared in fjord's own format.

import { array, int16, int32, message, string, struct } from '../schema.ts';

export const offsetDeleteRequest = message({
  apiKey: 47,
  kind: 'request',
  name: 'OffsetDeleteRequest',
  validVersions: '0',
  flexibleVersions: 'none',
  fields: [
    string('groupId', '0+'),
    array('topics', '0+', struct('OffsetDeleteRequestTopic', [
      string('name', '0+'),
      array('partitions', '0+', struct('OffsetDeleteRequestPartition', [
        int32('partitionIndex', '0+'),
      ])),
    ])),
  ],
});

export const offsetDeleteResponse = message({
  apiKey: 47,
  kind: 'response',
  name: 'OffsetDeleteResponse',
  validVersions: '0',
  flexibleVersions: 'none',
  fields: [
    int16('errorCode', '0+'),
    int32('throttleTimeMs', '0+', { ignorable: true }),
    array('topics', '0+', struct('OffsetDeleteResponseTopic', [
      string('name', '0+'),
      array('partitions', '0+', struct('OffsetDeleteResponsePartition', [
        int32('partitionIndex', '0+'),
        int16('errorCode', '0+'),
      ])),
    ])),
  ],
});
