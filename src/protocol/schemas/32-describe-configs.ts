// DescribeConfigs (API key 32): request and response schemas.
// Facts from Kafka's DescribeConfigsRequest.json / DescribeConfigsResponse.json, declared in fjord's own format.

import { array, bool, int16, int32, int8, message, string, struct } from '../schema.ts';

export const describeConfigsRequest = message({
  apiKey: 32,
  kind: 'request',
  name: 'DescribeConfigsRequest',
  validVersions: '1-4',
  flexibleVersions: '4+',
  fields: [
    array('resources', '0+', struct('DescribeConfigsResource', [
      int8('resourceType', '0+'),
      string('resourceName', '0+'),
      array('configurationKeys', '0+', 'string', { nullableVersions: '0+' }),
    ])),
    bool('includeSynonyms', '1+', { default: false }),
    bool('includeDocumentation', '3+', { default: false }),
  ],
});

export const describeConfigsResponse = message({
  apiKey: 32,
  kind: 'response',
  name: 'DescribeConfigsResponse',
  validVersions: '1-4',
  flexibleVersions: '4+',
  fields: [
    int32('throttleTimeMs', '0+'),
    array('results', '0+', struct('DescribeConfigsResult', [
      int16('errorCode', '0+'),
      string('errorMessage', '0+', { nullableVersions: '0+' }),
      int8('resourceType', '0+'),
      string('resourceName', '0+'),
      array('configs', '0+', struct('DescribeConfigsResourceResult', [
        string('name', '0+'),
        string('value', '0+', { nullableVersions: '0+' }),
        bool('readOnly', '0+'),
        int8('configSource', '1+', { default: -1, ignorable: true }),
        bool('isDefault', '0'),
        bool('isSensitive', '0+'),
        array('synonyms', '1+', struct('DescribeConfigsSynonym', [
          string('name', '1+'),
          string('value', '1+', { nullableVersions: '0+' }),
          int8('source', '1+'),
        ]), { ignorable: true }),
        int8('configType', '3+', { default: 0, ignorable: true }),
        string('documentation', '3+', { nullableVersions: '0+', ignorable: true }),
      ])),
    ])),
  ],
});
