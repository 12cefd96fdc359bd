// ApiVersions (API key 18): request and response schemas.
// Facts from Kafka's ApiVersionsRequest.json / ApiVersionsResponse.json, declared in fjord's own format.

import { array, bool, int16, int32, int64, message, string, struct } from '../schema.ts';

export const apiVersionsRequest = message({
  apiKey: 18,
  kind: 'request',
  name: 'ApiVersionsRequest',
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: [
    string('clientSoftwareName', '3+', { ignorable: true }),
    string('clientSoftwareVersion', '3+', { ignorable: true }),
  ],
});

export const apiVersionsResponse = message({
  apiKey: 18,
  kind: 'response',
  name: 'ApiVersionsResponse',
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: [
    int16('errorCode', '0+'),
    array('apiKeys', '0+', struct('ApiVersion', [
      int16('apiKey', '0+'),
      int16('minVersion', '0+'),
      int16('maxVersion', '0+'),
    ])),
    int32('throttleTimeMs', '1+', { ignorable: true }),
    array('supportedFeatures', '3+', struct('SupportedFeatureKey', [
      string('name', '3+'),
      int16('minVersion', '3+'),
      int16('maxVersion', '3+'),
    ]), { taggedVersions: '3+', tag: 0, ignorable: true }),
    int64('finalizedFeaturesEpoch', '3+', { taggedVersions: '3+', tag: 1, default: -1n, ignorable: true }),
    array('finalizedFeatures', '3+', struct('FinalizedFeatureKey', [
      string('name', '3+'),
      int16('maxVersionLevel', '3+'),
      int16('minVersionLevel', '3+'),
    ]), { taggedVersions: '3+', tag: 2, ignorable: true }),
    bool('zkMigrationReady', '3+', { taggedVersions: '3+', tag: 3, default: false, ignorable: true }),
  ],
});
