// CreatePartitions (API key 37): request and response schemas.
// Facts from Kafka's CreatePartitionsRequest.json / CreatePartitionsResponse.json, declared in fjord's own format.

import { array, bool, int16, int32, message, string, struct } from '../schema.ts';

export const createPartitionsRequest = message({
  apiKey: 37,
  kind: 'request',
  name: 'CreatePartitionsRequest',
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: [
    array('topics', '0+', struct('CreatePartitionsTopic', [
      string('name', '0+'),
      int32('count', '0+'),
      array('assignments', '0+', struct('CreatePartitionsAssignment', [
        array('brokerIds', '0+', 'int32'),
      ]), { nullableVersions: '0+' }),
    ])),
    int32('timeoutMs', '0+'),
    bool('validateOnly', '0+'),
  ],
});

export const createPartitionsResponse = message({
  apiKey: 37,
  kind: 'response',
  name: 'CreatePartitionsResponse',
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: [
    int32('throttleTimeMs', '0+'),
    array('results', '0+', struct('CreatePartitionsTopicResult', [
      string('name', '0+'),
      int16('errorCode', '0+'),
      string('errorMessage', '0+', { nullableVersions: '0+', default: null }),
    ])),
  ],
});
