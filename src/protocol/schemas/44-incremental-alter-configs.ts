// IncrementalAlterConfigs (API key 44): request and response schemas.
// Facts from Kafka's IncrementalAlterConfigsRequest.json / IncrementalAlterConfigsResponse.json, declared in fjord's own format.

import { array, bool, int16, int32, int8, message, string, struct } from '../schema.ts';

export const incrementalAlterConfigsRequest = message({
  apiKey: 44,
  kind: 'request',
  name: 'IncrementalAlterConfigsRequest',
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: [
    array('resources', '0+', struct('AlterConfigsResource', [
      int8('resourceType', '0+'),
      string('resourceName', '0+'),
      array('configs', '0+', struct('AlterableConfig', [
        string('name', '0+'),
        int8('configOperation', '0+'),
        string('value', '0+', { nullableVersions: '0+' }),
      ])),
    ])),
    bool('validateOnly', '0+'),
  ],
});

export const incrementalAlterConfigsResponse = message({
  apiKey: 44,
  kind: 'response',
  name: 'IncrementalAlterConfigsResponse',
  validVersions: '0-1',
  flexibleVersions: '1+',
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
