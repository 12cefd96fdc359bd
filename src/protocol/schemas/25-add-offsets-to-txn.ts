// AddOffsetsToTxn (API key 25): request and response schemas.
// Facts from Kafka's AddOffsetsToTxnRequest.json / AddOffsetsToTxnResponse.json, declared in fjord's own format.

import { int16, int32, int64, message, string } from '../schema.ts';

export const addOffsetsToTxnRequest = message({
  apiKey: 25,
  kind: 'request',
  name: 'AddOffsetsToTxnRequest',
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: [
    string('transactionalId', '0+'),
    int64('producerId', '0+'),
    int16('producerEpoch', '0+'),
    string('groupId', '0+'),
  ],
});

export const addOffsetsToTxnResponse = message({
  apiKey: 25,
  kind: 'response',
  name: 'AddOffsetsToTxnResponse',
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: [
    int32('throttleTimeMs', '0+'),
    int16('errorCode', '0+'),
  ],
});
