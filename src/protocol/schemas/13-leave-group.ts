// LeaveGroup (API key 13): request and response schemas.
// Facts from Kafka's LeaveGroupRequest.json / LeaveGroupResponse.json, declared in fjord's own format.

import { array, int16, int32, message, string, struct } from '../schema.ts';

export const leaveGroupRequest = message({
  apiKey: 13,
  kind: 'request',
  name: 'LeaveGroupRequest',
  validVersions: '0-5',
  flexibleVersions: '4+',
  fields: [
    string('groupId', '0+'),
    string('memberId', '0-2'),
    array('members', '3+', struct('MemberIdentity', [
      string('memberId', '3+'),
      string('groupInstanceId', '3+', { nullableVersions: '3+', default: null }),
      string('reason', '5+', { nullableVersions: '5+', default: null, ignorable: true }),
    ])),
  ],
});

export const leaveGroupResponse = message({
  apiKey: 13,
  kind: 'response',
  name: 'LeaveGroupResponse',
  validVersions: '0-5',
  flexibleVersions: '4+',
  fields: [
    int32('throttleTimeMs', '1+', { ignorable: true }),
    int16('errorCode', '0+'),
    array('members', '3+', struct('MemberResponse', [
      string('memberId', '3+'),
      string('groupInstanceId', '3+', { nullableVersions: '3+' }),
      int16('errorCode', '3+'),
    ])),
  ],
});
