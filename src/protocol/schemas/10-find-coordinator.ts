// FindCoordinator (API key 10): request and response schemas.
// Facts from Kafka's FindCoordinatorRequest.json / FindCoordinatorResponse.json, declared in fjord's own format.

import { array, int16, int32, int8, message, string, struct } from '../schema.ts';

export const findCoordinatorRequest = message({
  apiKey: 10,
  kind: 'request',
  name: 'FindCoordinatorRequest',
  validVersions: '0-6',
  flexibleVersions: '3+',
  fields: [
    string('key', '0-3'),
    int8('keyType', '1+', { default: 0 }),
    array('coordinatorKeys', '4+', 'string'),
  ],
});

export const findCoordinatorResponse = message({
  apiKey: 10,
  kind: 'response',
  name: 'FindCoordinatorResponse',
  validVersions: '0-6',
  flexibleVersions: '3+',
  fields: [
    int32('throttleTimeMs', '1+', { ignorable: true }),
    int16('errorCode', '0-3'),
    string('errorMessage', '1-3', { nullableVersions: '1-3', ignorable: true }),
    int32('nodeId', '0-3'),
    string('host', '0-3'),
    int32('port', '0-3'),
    array('coordinators', '4+', struct('Coordinator', [
      string('key', '4+'),
      int32('nodeId', '4+'),
      string('host', '4+'),
      int32('port', '4+'),
      int16('errorCode', '4+'),
      string('errorMessage', '4+', { nullableVersions: '4+', ignorable: true }),
    ])),
  ],
});
