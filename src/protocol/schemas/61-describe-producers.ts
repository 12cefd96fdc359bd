// DescribeProducers (API key 61): request and response schemas.
// Facts from Kafka's DescribeProducersRequest.json / DescribeProducersResponse.json, declared in fjord's own format.

import { array, int16, int32, int64, message, string, struct } from '../schema.ts';

export const describeProducersRequest = message({
  apiKey: 61,
  kind: 'request',
  name: 'DescribeProducersRequest',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    array('topics', '0+', struct('TopicRequest', [
      string('name', '0+'),
      array('partitionIndexes', '0+', 'int32'),
    ])),
  ],
});

export const describeProducersResponse = message({
  apiKey: 61,
  kind: 'response',
  name: 'DescribeProducersResponse',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    int32('throttleTimeMs', '0+'),
    array('topics', '0+', struct('TopicResponse', [
      string('name', '0+'),
      array('partitions', '0+', struct('PartitionResponse', [
        int32('partitionIndex', '0+'),
        int16('errorCode', '0+'),
        string('errorMessage', '0+', { nullableVersions: '0+', default: null }),
        array('activeProducers', '0+', struct('ProducerState', [
          int64('producerId', '0+'),
          // int32 on the wire although epochs are int16 everywhere else (Kafka's schema).
          int32('producerEpoch', '0+'),
          int32('lastSequence', '0+', { default: -1 }),
          int64('lastTimestamp', '0+', { default: -1n }),
          int32('coordinatorEpoch', '0+'),
          int64('currentTxnStartOffset', '0+', { default: -1n }),
        ])),
      ])),
    ])),
  ],
});
