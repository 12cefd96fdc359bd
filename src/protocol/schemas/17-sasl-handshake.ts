// SaslHandshake (API key 17): request and response schemas.
// Facts from Kafka's SaslHandshakeRequest.json / SaslHandshakeResponse.json, declared in fjord's own format.

import { array, int16, message, string } from '../schema.ts';

export const saslHandshakeRequest = message({
  apiKey: 17,
  kind: 'request',
  name: 'SaslHandshakeRequest',
  validVersions: '0-1',
  flexibleVersions: 'none',
  fields: [
    string('mechanism', '0+'),
  ],
});

export const saslHandshakeResponse = message({
  apiKey: 17,
  kind: 'response',
  name: 'SaslHandshakeResponse',
  validVersions: '0-1',
  flexibleVersions: 'none',
  fields: [
    int16('errorCode', '0+'),
    array('mechanisms', '0+', 'string'),
  ],
});
