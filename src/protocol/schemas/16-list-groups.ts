// ListGroups (API key 16): request and response schemas.
// Facts from Kafka's ListGroupsRequest.json / ListGroupsResponse.json, declared in fjord's own format.

import { array, int16, int32, message, string, struct } from '../schema.ts';

export const listGroupsRequest = message({
  apiKey: 16,
  kind: 'request',
  name: 'ListGroupsRequest',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    array('statesFilter', '4+', 'string'),
    array('typesFilter', '5+', 'string'),
  ],
});

export const listGroupsResponse = message({
  apiKey: 16,
  kind: 'response',
  name: 'ListGroupsResponse',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    int32('throttleTimeMs', '1+', { ignorable: true }),
    int16('errorCode', '0+'),
    array('groups', '0+', struct('ListedGroup', [
      string('groupId', '0+'),
      string('protocolType', '0+'),
      string('groupState', '4+', { ignorable: true }),
      string('groupType', '5+', { ignorable: true }),
    ])),
  ],
});
