// SyncGroup (API key 14): request and response schemas.
// Facts from Kafka's SyncGroupRequest.json / SyncGroupResponse.json, declared in fjord's own format.

import { array, bytes, int16, int32, message, string, struct } from '../schema.ts';

export const syncGroupRequest = message({
  apiKey: 14,
  kind: 'request',
  name: 'SyncGroupRequest',
  validVersions: '0-5',
  flexibleVersions: '4+',
  fields: [
    string('groupId', '0+'),
    int32('generationId', '0+'),
    string('memberId', '0+'),
    string('groupInstanceId', '3+', { nullableVersions: '3+', default: null }),
    string('protocolType', '5+', { nullableVersions: '5+', default: null, ignorable: true }),
    string('protocolName', '5+', { nullableVersions: '5+', default: null, ignorable: true }),
    array('assignments', '0+', struct('SyncGroupRequestAssignment', [
      string('memberId', '0+'),
      bytes('assignment', '0+'),
    ])),
  ],
});

export const syncGroupResponse = message({
  apiKey: 14,
  kind: 'response',
  name: 'SyncGroupResponse',
  validVersions: '0-5',
  flexibleVersions: '4+',
  fields: [
    int32('throttleTimeMs', '1+', { ignorable: true }),
    int16('errorCode', '0+'),
    string('protocolType', '5+', { nullableVersions: '5+', default: null, ignorable: true }),
    string('protocolName', '5+', { nullableVersions: '5+', default: null, ignorable: true }),
    bytes('assignment', '0+'),
  ],
});
