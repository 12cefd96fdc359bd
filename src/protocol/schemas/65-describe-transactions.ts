// DescribeTransactions (API key 65): request and response schemas.
// Facts from Kafka's DescribeTransactionsRequest.json / DescribeTransactionsResponse.json, declared in fjord's own format.

import { array, int16, int32, int64, message, string, struct } from '../schema.ts';

export const describeTransactionsRequest = message({
  apiKey: 65,
  kind: 'request',
  name: 'DescribeTransactionsRequest',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    array('transactionalIds', '0+', 'string'),
  ],
});

export const describeTransactionsResponse = message({
  apiKey: 65,
  kind: 'response',
  name: 'DescribeTransactionsResponse',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    int32('throttleTimeMs', '0+'),
    array('transactionStates', '0+', struct('TransactionState', [
      int16('errorCode', '0+'),
      string('transactionalId', '0+'),
      string('transactionState', '0+'),
      int32('transactionTimeoutMs', '0+'),
      int64('transactionStartTimeMs', '0+'),
      int64('producerId', '0+'),
      int16('producerEpoch', '0+'),
      array('topics', '0+', struct('TopicData', [
        string('topic', '0+'),
        array('partitions', '0+', 'int32'),
      ])),
    ])),
  ],
});
