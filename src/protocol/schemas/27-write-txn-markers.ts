// WriteTxnMarkers (API key 27): request and response schemas.
// Facts from Kafka's WriteTxnMarkersRequest.json / WriteTxnMarkersResponse.json, declared in fjord's own format.
// v0 was removed in Kafka 4.0 (KIP-896); v2 adds the marker's transaction version (KIP-1228, after 4.1).

import { array, bool, int16, int32, int64, int8, message, string, struct } from '../schema.ts';

export const writeTxnMarkersRequest = message({
  apiKey: 27,
  kind: 'request',
  name: 'WriteTxnMarkersRequest',
  validVersions: '1-2',
  flexibleVersions: '1+',
  fields: [
    array('markers', '0+', struct('WritableTxnMarker', [
      int64('producerId', '0+'),
      int16('producerEpoch', '0+'),
      bool('transactionResult', '0+'),
      array('topics', '0+', struct('WritableTxnMarkerTopic', [
        string('name', '0+'),
        array('partitionIndexes', '0+', 'int32'),
      ])),
      int32('coordinatorEpoch', '0+'),
      int8('transactionVersion', '2+', { default: 0, ignorable: true }),
    ])),
  ],
});

export const writeTxnMarkersResponse = message({
  apiKey: 27,
  kind: 'response',
  name: 'WriteTxnMarkersResponse',
  validVersions: '1-2',
  flexibleVersions: '1+',
  fields: [
    array('markers', '0+', struct('WritableTxnMarkerResult', [
      int64('producerId', '0+'),
      array('topics', '0+', struct('WritableTxnMarkerTopicResult', [
        string('name', '0+'),
        array('partitions', '0+', struct('WritableTxnMarkerPartitionResult', [
          int32('partitionIndex', '0+'),
          int16('errorCode', '0+'),
        ])),
      ])),
    ])),
  ],
});
