// DeleteGroups (API key 42): request and response schemas.
// Facts from Kafka's DeleteGroupsRequest.json / DeleteGroupsResponse.json, declared in fjord's own format.

import { array, int16, int32, message, string, struct } from '../schema.ts';

export const deleteGroupsRequest = message({
  apiKey: 42,
  kind: 'request',
  name: 'DeleteGroupsRequest',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    array('groupsNames', '0+', 'string'),
  ],
});

export const deleteGroupsResponse = message({
  apiKey: 42,
  kind: 'response',
  name: 'DeleteGroupsResponse',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    int32('throttleTimeMs', '0+'),
    array('results', '0+', struct('DeletableGroupResult', [
      string('groupId', '0+'),
      int16('errorCode', '0+'),
    ])),
  ],
});
