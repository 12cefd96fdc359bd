// Heartbeat (API key 12): request and response schemas.
// Facts from Kafka's HeartbeatRequest.json / HeartbeatResponse.json, declared in fjord's own format.

import { int16, int32, message, string } from '../schema.ts';

export const heartbeatRequest = message({
  apiKey: 12,
  kind: 'request',
  name: 'HeartbeatRequest',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    string('groupId', '0+'),
    int32('generationId', '0+'),
    string('memberId', '0+'),
    string('groupInstanceId', '3+', { nullableVersions: '3+', default: null }),
  ],
});

export const heartbeatResponse = message({
  apiKey: 12,
  kind: 'response',
  name: 'HeartbeatResponse',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    int32('throttleTimeMs', '1+', { ignorable: true }),
    int16('errorCode', '0+'),
  ],
});
