// ListTransactions (API key 66): request and response schemas.
// Facts from Kafka's ListTransactionsRequest.json / ListTransactionsResponse.json, declared in fjord's own format.
// v1 adds durationFilter (KIP-994, Kafka 3.8); v2 adds transactionalIdPattern (KIP-1152, Kafka 4.1).

import { array, int16, int32, int64, message, string, struct } from '../schema.ts';

export const listTransactionsRequest = message({
  apiKey: 66,
  kind: 'request',
  name: 'ListTransactionsRequest',
  validVersions: '0-2',
  flexibleVersions: '0+',
  fields: [
    array('stateFilters', '0+', 'string'),
    array('producerIdFilters', '0+', 'int64'),
    int64('durationFilter', '1+', { default: -1n }),
    string('transactionalIdPattern', '2+', { nullableVersions: '2+', default: null }),
  ],
});

export const listTransactionsResponse = message({
  apiKey: 66,
  kind: 'response',
  name: 'ListTransactionsResponse',
  validVersions: '0-2',
  flexibleVersions: '0+',
  fields: [
    int32('throttleTimeMs', '0+'),
    int16('errorCode', '0+'),
    array('unknownStateFilters', '0+', 'string'),
    array('transactionStates', '0+', struct('TransactionState', [
      string('transactionalId', '0+'),
      int64('producerId', '0+'),
      string('transactionState', '0+'),
    ])),
  ],
});
