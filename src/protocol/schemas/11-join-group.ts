// JoinGroup (API key 11): request and response schemas.
// Facts from Kafka's JoinGroupRequest.json / JoinGroupResponse.json, declared in fjord's own format.

import { array, bool, bytes, int16, int32, message, string, struct } from '../schema.ts';

export const joinGroupRequest = message({
  apiKey: 11,
  kind: 'request',
  name: 'JoinGroupRequest',
  validVersions: '0-9',
  flexibleVersions: '6+',
  fields: [
    string('groupId', '0+'),
    int32('sessionTimeoutMs', '0+'),
    int32('rebalanceTimeoutMs', '1+', { default: -1, ignorable: true }),
    string('memberId', '0+'),
    string('groupInstanceId', '5+', { nullableVersions: '5+', default: null }),
    string('protocolType', '0+'),
    array('protocols', '0+', struct('JoinGroupRequestProtocol', [
      string('name', '0+'),
      bytes('metadata', '0+'),
    ])),
    string('reason', '8+', { nullableVersions: '8+', default: null, ignorable: true }),
  ],
});

export const joinGroupResponse = message({
  apiKey: 11,
  kind: 'response',
  name: 'JoinGroupResponse',
  validVersions: '0-9',
  flexibleVersions: '6+',
  fields: [
    int32('throttleTimeMs', '2+', { ignorable: true }),
    int16('errorCode', '0+'),
    int32('generationId', '0+', { default: -1 }),
    string('protocolType', '7+', { nullableVersions: '7+', default: null, ignorable: true }),
    string('protocolName', '0+', { nullableVersions: '7+' }),
    string('leader', '0+'),
    bool('skipAssignment', '9+', { default: false }),
    string('memberId', '0+'),
    array('members', '0+', struct('JoinGroupResponseMember', [
      string('memberId', '0+'),
      string('groupInstanceId', '5+', { nullableVersions: '5+', default: null, ignorable: true }),
      bytes('metadata', '0+'),
    ])),
  ],
});
