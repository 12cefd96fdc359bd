// AlterConfigs (API key 33): request and response schemas.
// Facts from Kafka's AlterConfigsRequest.json / AlterConfigsResponse.json, declared in fjord's own format.

import { array, bool, int16, int32, int8, message, string, struct } from '../schema.ts';

export const alterConfigsRequest = message({
  apiKey: 33,
  kind: 'request',
  name: 'AlterConfigsRequest',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    array('resources', '0+', struct('AlterConfigsResource', [
      int8('resourceType', '0+'),
      string('resourceName', '0+'),
      array('configs', '0+', struct('AlterableConfig', [
        string('name', '0+'),
        string('value', '0+', { nullableVersions: '0+' }),
      ])),
    ])),
    bool('validateOnly', '0+'),
  ],
});

export const alterConfigsResponse = message({
  apiKey: 33,
  kind: 'response',
  name: 'AlterConfigsResponse',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    int32('throttleTimeMs', '0+'),
    array('responses', '0+', struct('AlterConfigsResourceResponse', [
      int16('errorCode', '0+'),
      string('errorMessage', '0+', { nullableVersions: '0+' }),
      int8('resourceType', '0+'),
      string('resourceName', '0+'),
    ])),
  ],
});
