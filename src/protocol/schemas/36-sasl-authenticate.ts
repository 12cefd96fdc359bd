// SaslAuthenticate (API key 36): request and response schemas.
// Facts from Kafka's SaslAuthenticateRequest.json / SaslAuthenticateResponse.json, declared in fjord's own format.

import { bytes, int16, int64, message, string } from '../schema.ts';

export const saslAuthenticateRequest = message({
  apiKey: 36,
  kind: 'request',
  name: 'SaslAuthenticateRequest',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    bytes('authBytes', '0+'),
  ],
});

export const saslAuthenticateResponse = message({
  apiKey: 36,
  kind: 'response',
  name: 'SaslAuthenticateResponse',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    int16('errorCode', '0+'),
    string('errorMessage', '0+', { nullableVersions: '0+' }),
    bytes('authBytes', '0+'),
    int64('sessionLifetimeMs', '1+', { default: 0n, ignorable: true }),
  ],
});
