// InitProducerId (API key 22): request and response schemas.
// Facts from Kafka's InitProducerIdRequest.json / InitProducerIdResponse.json, declared in fjord's own format.

import { bool, int16, int32, int64, message, string } from '../schema.ts';

export const initProducerIdRequest = message({
  apiKey: 22,
  kind: 'request',
  name: 'InitProducerIdRequest',
  validVersions: '0-6',
  flexibleVersions: '2+',
  fields: [
    string('transactionalId', '0+', { nullableVersions: '0+' }),
    int32('transactionTimeoutMs', '0+'),
    int64('producerId', '3+', { default: -1n }),
    int16('producerEpoch', '3+', { default: -1 }),
    bool('enable2Pc', '6+', { default: false }),
    bool('keepPreparedTxn', '6+', { default: false }),
  ],
});

export const initProducerIdResponse = message({
  apiKey: 22,
  kind: 'response',
  name: 'InitProducerIdResponse',
  validVersions: '0-6',
  flexibleVersions: '2+',
  fields: [
    int32('throttleTimeMs', '0+', { ignorable: true }),
    int16('errorCode', '0+'),
    int64('producerId', '0+', { default: -1n }),
    int16('producerEpoch', '0+'),
    int64('ongoingTxnProducerId', '6+', { default: -1n }),
    int16('ongoingTxnProducerEpoch', '6+', { default: -1 }),
  ],
});
