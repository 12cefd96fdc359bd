// DescribeGroups (API key 15): request and response schemas.
// Facts from Kafka's DescribeGroupsRequest.json / DescribeGroupsResponse.json, declared in fjord's own format.

import { array, bool, bytes, int16, int32, message, string, struct } from '../schema.ts';

export const describeGroupsRequest = message({
  apiKey: 15,
  kind: 'request',
  name: 'DescribeGroupsRequest',
  validVersions: '0-6',
  flexibleVersions: '5+',
  fields: [
    array('groups', '0+', 'string'),
    bool('includeAuthorizedOperations', '3+'),
  ],
});

export const describeGroupsResponse = message({
  apiKey: 15,
  kind: 'response',
  name: 'DescribeGroupsResponse',
  validVersions: '0-6',
  flexibleVersions: '5+',
  fields: [
    int32('throttleTimeMs', '1+', { ignorable: true }),
    array('groups', '0+', struct('DescribedGroup', [
      int16('errorCode', '0+'),
      string('errorMessage', '6+', { nullableVersions: '6+', default: null }),
      string('groupId', '0+'),
      string('groupState', '0+'),
      string('protocolType', '0+'),
      string('protocolData', '0+'),
      array('members', '0+', struct('DescribedGroupMember', [
        string('memberId', '0+'),
        string('groupInstanceId', '4+', { nullableVersions: '4+', default: null, ignorable: true }),
        string('clientId', '0+'),
        string('clientHost', '0+'),
        bytes('memberMetadata', '0+'),
        bytes('memberAssignment', '0+'),
      ])),
      int32('authorizedOperations', '3+', { default: -2147483648 }),
    ])),
  ],
});
