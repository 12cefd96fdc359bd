// EndTxn (API key 26): request and response schemas.
// Facts from Kafka's EndTxnRequest.json / EndTxnResponse.json, declared in fjord's own format.

import { bool, int16, int32, int64, message, string } from '../schema.ts';

export const endTxnRequest = message({
  apiKey: 26,
  kind: 'request',
  name: 'EndTxnRequest',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    string('transactionalId', '0+'),
    int64('producerId', '0+'),
    int16('producerEpoch', '0+'),
    bool('committed', '0+'),
  ],
});

export const endTxnResponse = message({
  apiKey: 26,
  kind: 'response',
  name: 'EndTxnResponse',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    int32('throttleTimeMs', '0+'),
    int16('errorCode', '0+'),
    int64('producerId', '5+', { default: -1n, ignorable: true }),
    int16('producerEpoch', '5+', { default: -1, ignorable: true }),
  ],
});
