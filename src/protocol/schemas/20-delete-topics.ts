// DeleteTopics (API key 20): request and response schemas.
// Facts from Kafka's DeleteTopicsRequest.json / DeleteTopicsResponse.json, declared in fjord's own format.

import { array, int16, int32, message, string, struct, uuid } from '../schema.ts';

export const deleteTopicsRequest = message({
  apiKey: 20,
  kind: 'request',
  name: 'DeleteTopicsRequest',
  validVersions: '1-6',
  flexibleVersions: '4+',
  fields: [
    array('topics', '6+', struct('DeleteTopicState', [
      string('name', '6+', { nullableVersions: '6+', default: null }),
      uuid('topicId', '6+'),
    ])),
    array('topicNames', '0-5', 'string', { ignorable: true }),
    int32('timeoutMs', '0+'),
  ],
});

export const deleteTopicsResponse = message({
  apiKey: 20,
  kind: 'response',
  name: 'DeleteTopicsResponse',
  validVersions: '1-6',
  flexibleVersions: '4+',
  fields: [
    int32('throttleTimeMs', '1+', { ignorable: true }),
    array('responses', '0+', struct('DeletableTopicResult', [
      string('name', '0+', { nullableVersions: '6+' }),
      uuid('topicId', '6+', { ignorable: true }),
      int16('errorCode', '0+'),
      string('errorMessage', '5+', { nullableVersions: '5+', default: null, ignorable: true }),
    ])),
  ],
});
