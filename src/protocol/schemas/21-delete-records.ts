// DeleteRecords (API key 21): request and response schemas.
// Facts from Kafka's DeleteRecordsRequest.json / DeleteRecordsResponse.json, declared in fjord's own format.

import { array, int16, int32, int64, message, string, struct } from '../schema.ts';

export const deleteRecordsRequest = message({
  apiKey: 21,
  kind: 'request',
  name: 'DeleteRecordsRequest',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    array('topics', '0+', struct('DeleteRecordsTopic', [
      string('name', '0+'),
      array('partitions', '0+', struct('DeleteRecordsPartition', [
        int32('partitionIndex', '0+'),
        int64('offset', '0+'),
      ])),
    ])),
    int32('timeoutMs', '0+'),
  ],
});

export const deleteRecordsResponse = message({
  apiKey: 21,
  kind: 'response',
  name: 'DeleteRecordsResponse',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    int32('throttleTimeMs', '0+'),
    array('topics', '0+', struct('DeleteRecordsTopicResult', [
      string('name', '0+'),
      array('partitions', '0+', struct('DeleteRecordsPartitionResult', [
        int32('partitionIndex', '0+'),
        int64('lowWatermark', '0+'),
        int16('errorCode', '0+'),
      ])),
    ])),
  ],
});
