// AddPartitionsToTxn (API key 24): request and response schemas.
// Facts from Kafka's AddPartitionsToTxnRequest.json / AddPartitionsToTxnResponse.json, declared in fjord's own format.

import { array, bool, int16, int32, int64, message, string, struct } from '../schema.ts';

const addPartitionsToTxnRequestAddPartitionsToTxnTopic = struct('AddPartitionsToTxnTopic', [
  string('name', '0+'),
  array('partitions', '0+', 'int32'),
]);

export const addPartitionsToTxnRequest = message({
  apiKey: 24,
  kind: 'request',
  name: 'AddPartitionsToTxnRequest',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    array('transactions', '4+', struct('AddPartitionsToTxnTransaction', [
      string('transactionalId', '4+'),
      int64('producerId', '4+'),
      int16('producerEpoch', '4+'),
      bool('verifyOnly', '4+', { default: false }),
      array('topics', '4+', addPartitionsToTxnRequestAddPartitionsToTxnTopic),
    ])),
    string('v3AndBelowTransactionalId', '0-3'),
    int64('v3AndBelowProducerId', '0-3'),
    int16('v3AndBelowProducerEpoch', '0-3'),
    array('v3AndBelowTopics', '0-3', addPartitionsToTxnRequestAddPartitionsToTxnTopic),
  ],
});

const addPartitionsToTxnResponseAddPartitionsToTxnPartitionResult = struct('AddPartitionsToTxnPartitionResult', [
  int32('partitionIndex', '0+'),
  int16('partitionErrorCode', '0+'),
]);

const addPartitionsToTxnResponseAddPartitionsToTxnTopicResult = struct('AddPartitionsToTxnTopicResult', [
  string('name', '0+'),
  array('resultsByPartition', '0+', addPartitionsToTxnResponseAddPartitionsToTxnPartitionResult),
]);

export const addPartitionsToTxnResponse = message({
  apiKey: 24,
  kind: 'response',
  name: 'AddPartitionsToTxnResponse',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    int32('throttleTimeMs', '0+'),
    int16('errorCode', '4+', { ignorable: true }),
    array('resultsByTransaction', '4+', struct('AddPartitionsToTxnResult', [
      string('transactionalId', '4+'),
      array('topicResults', '4+', addPartitionsToTxnResponseAddPartitionsToTxnTopicResult),
    ])),
    array('resultsByTopicV3AndBelow', '0-3', addPartitionsToTxnResponseAddPartitionsToTxnTopicResult),
  ],
});
