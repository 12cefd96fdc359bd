// DescribeCluster (API key 60): request and response schemas.
// Facts from Kafka's DescribeClusterRequest.json / DescribeClusterResponse.json, declared in fjord's own format.

import { array, bool, int16, int32, int8, message, string, struct } from '../schema.ts';

export const describeClusterRequest = message({
  apiKey: 60,
  kind: 'request',
  name: 'DescribeClusterRequest',
  validVersions: '0-2',
  flexibleVersions: '0+',
  fields: [
    bool('includeClusterAuthorizedOperations', '0+'),
    int8('endpointType', '1+', { default: 1 }),
    bool('includeFencedBrokers', '2+'),
  ],
});

export const describeClusterResponse = message({
  apiKey: 60,
  kind: 'response',
  name: 'DescribeClusterResponse',
  validVersions: '0-2',
  flexibleVersions: '0+',
  fields: [
    int32('throttleTimeMs', '0+'),
    int16('errorCode', '0+'),
    string('errorMessage', '0+', { nullableVersions: '0+', default: null }),
    int8('endpointType', '1+', { default: 1 }),
    string('clusterId', '0+'),
    int32('controllerId', '0+', { default: -1 }),
    array('brokers', '0+', struct('DescribeClusterBroker', [
      int32('brokerId', '0+'),
      string('host', '0+'),
      int32('port', '0+'),
      string('rack', '0+', { nullableVersions: '0+', default: null }),
      bool('isFenced', '2+'),
    ])),
    int32('clusterAuthorizedOperations', '0+', { default: -2147483648 }),
  ],
});
