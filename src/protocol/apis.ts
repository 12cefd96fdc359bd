// The registry of every API whose schemas fjord declares: key, name, request and response.
// The version range of each schema is the range its fields are declared for (Kafka 4.x JSON, plus
// Produce v0-2, which Kafka 4.x still advertises); which versions the broker advertises is the
// handlers' business (src/handlers), within these ranges.

import type { MessageSchema } from './schema.ts';
import { produceRequest, produceResponse } from './schemas/00-produce.ts';
import { fetchRequest, fetchResponse } from './schemas/01-fetch.ts';
import { listOffsetsRequest, listOffsetsResponse } from './schemas/02-list-offsets.ts';
import { metadataRequest, metadataResponse } from './schemas/03-metadata.ts';
import { offsetCommitRequest, offsetCommitResponse } from './schemas/08-offset-commit.ts';
import { offsetFetchRequest, offsetFetchResponse } from './schemas/09-offset-fetch.ts';
import { findCoordinatorRequest, findCoordinatorResponse } from './schemas/10-find-coordinator.ts';
import { joinGroupRequest, joinGroupResponse } from './schemas/11-join-group.ts';
import { heartbeatRequest, heartbeatResponse } from './schemas/12-heartbeat.ts';
import { leaveGroupRequest, leaveGroupResponse } from './schemas/13-leave-group.ts';
import { syncGroupRequest, syncGroupResponse } from './schemas/14-sync-group.ts';
import { describeGroupsRequest, describeGroupsResponse } from './schemas/15-describe-groups.ts';
import { listGroupsRequest, listGroupsResponse } from './schemas/16-list-groups.ts';
import { saslHandshakeRequest, saslHandshakeResponse } from './schemas/17-sasl-handshake.ts';
import { apiVersionsRequest, apiVersionsResponse } from './schemas/18-api-versions.ts';
import { createTopicsRequest, createTopicsResponse } from './schemas/19-create-topics.ts';
import { deleteTopicsRequest, deleteTopicsResponse } from './schemas/20-delete-topics.ts';
import { deleteRecordsRequest, deleteRecordsResponse } from './schemas/21-delete-records.ts';
import { initProducerIdRequest, initProducerIdResponse } from './schemas/22-init-producer-id.ts';
import { offsetForLeaderEpochRequest, offsetForLeaderEpochResponse } from './schemas/23-offset-for-leader-epoch.ts';
import { addPartitionsToTxnRequest, addPartitionsToTxnResponse } from './schemas/24-add-partitions-to-txn.ts';
import { addOffsetsToTxnRequest, addOffsetsToTxnResponse } from './schemas/25-add-offsets-to-txn.ts';
import { endTxnRequest, endTxnResponse } from './schemas/26-end-txn.ts';
import { writeTxnMarkersRequest, writeTxnMarkersResponse } from './schemas/27-write-txn-markers.ts';
import { txnOffsetCommitRequest, txnOffsetCommitResponse } from './schemas/28-txn-offset-commit.ts';
import { describeConfigsRequest, describeConfigsResponse } from './schemas/32-describe-configs.ts';
import { alterConfigsRequest, alterConfigsResponse } from './schemas/33-alter-configs.ts';
import { saslAuthenticateRequest, saslAuthenticateResponse } from './schemas/36-sasl-authenticate.ts';
import { createPartitionsRequest, createPartitionsResponse } from './schemas/37-create-partitions.ts';
import { deleteGroupsRequest, deleteGroupsResponse } from './schemas/42-delete-groups.ts';
import { incrementalAlterConfigsRequest, incrementalAlterConfigsResponse } from './schemas/44-incremental-alter-configs.ts';
import { offsetDeleteRequest, offsetDeleteResponse } from './schemas/47-offset-delete.ts';
import { describeClusterRequest, describeClusterResponse } from './schemas/60-describe-cluster.ts';
import { describeProducersRequest, describeProducersResponse } from './schemas/61-describe-producers.ts';
import { describeTransactionsRequest, describeTransactionsResponse } from './schemas/65-describe-transactions.ts';
import { listTransactionsRequest, listTransactionsResponse } from './schemas/66-list-transactions.ts';
import { consumerGroupHeartbeatRequest, consumerGroupHeartbeatResponse } from './schemas/68-consumer-group-heartbeat.ts';
import { consumerGroupDescribeRequest, consumerGroupDescribeResponse } from './schemas/69-consumer-group-describe.ts';
import { describeTopicPartitionsRequest, describeTopicPartitionsResponse } from './schemas/75-describe-topic-partitions.ts';

export interface ApiDefinition {
  readonly apiKey: number;
  readonly name: string;
  readonly request: MessageSchema;
  readonly response: MessageSchema;
}

export const API_DEFINITIONS: readonly ApiDefinition[] = [
  { apiKey: 0, name: 'Produce', request: produceRequest, response: produceResponse },
  { apiKey: 1, name: 'Fetch', request: fetchRequest, response: fetchResponse },
  { apiKey: 2, name: 'ListOffsets', request: listOffsetsRequest, response: listOffsetsResponse },
  { apiKey: 3, name: 'Metadata', request: metadataRequest, response: metadataResponse },
  { apiKey: 8, name: 'OffsetCommit', request: offsetCommitRequest, response: offsetCommitResponse },
  { apiKey: 9, name: 'OffsetFetch', request: offsetFetchRequest, response: offsetFetchResponse },
  { apiKey: 10, name: 'FindCoordinator', request: findCoordinatorRequest, response: findCoordinatorResponse },
  { apiKey: 11, name: 'JoinGroup', request: joinGroupRequest, response: joinGroupResponse },
  { apiKey: 12, name: 'Heartbeat', request: heartbeatRequest, response: heartbeatResponse },
  { apiKey: 13, name: 'LeaveGroup', request: leaveGroupRequest, response: leaveGroupResponse },
  { apiKey: 14, name: 'SyncGroup', request: syncGroupRequest, response: syncGroupResponse },
  { apiKey: 15, name: 'DescribeGroups', request: describeGroupsRequest, response: describeGroupsResponse },
  { apiKey: 16, name: 'ListGroups', request: listGroupsRequest, response: listGroupsResponse },
  { apiKey: 17, name: 'SaslHandshake', request: saslHandshakeRequest, response: saslHandshakeResponse },
  { apiKey: 18, name: 'ApiVersions', request: apiVersionsRequest, response: apiVersionsResponse },
  { apiKey: 19, name: 'CreateTopics', request: createTopicsRequest, response: createTopicsResponse },
  { apiKey: 20, name: 'DeleteTopics', request: deleteTopicsRequest, response: deleteTopicsResponse },
  { apiKey: 21, name: 'DeleteRecords', request: deleteRecordsRequest, response: deleteRecordsResponse },
  { apiKey: 22, name: 'InitProducerId', request: initProducerIdRequest, response: initProducerIdResponse },
  { apiKey: 23, name: 'OffsetForLeaderEpoch', request: offsetForLeaderEpochRequest, response: offsetForLeaderEpochResponse },
  { apiKey: 24, name: 'AddPartitionsToTxn', request: addPartitionsToTxnRequest, response: addPartitionsToTxnResponse },
  { apiKey: 25, name: 'AddOffsetsToTxn', request: addOffsetsToTxnRequest, response: addOffsetsToTxnResponse },
  { apiKey: 26, name: 'EndTxn', request: endTxnRequest, response: endTxnResponse },
  { apiKey: 27, name: 'WriteTxnMarkers', request: writeTxnMarkersRequest, response: writeTxnMarkersResponse },
  { apiKey: 28, name: 'TxnOffsetCommit', request: txnOffsetCommitRequest, response: txnOffsetCommitResponse },
  { apiKey: 32, name: 'DescribeConfigs', request: describeConfigsRequest, response: describeConfigsResponse },
  { apiKey: 33, name: 'AlterConfigs', request: alterConfigsRequest, response: alterConfigsResponse },
  { apiKey: 36, name: 'SaslAuthenticate', request: saslAuthenticateRequest, response: saslAuthenticateResponse },
  { apiKey: 37, name: 'CreatePartitions', request: createPartitionsRequest, response: createPartitionsResponse },
  { apiKey: 42, name: 'DeleteGroups', request: deleteGroupsRequest, response: deleteGroupsResponse },
  { apiKey: 44, name: 'IncrementalAlterConfigs', request: incrementalAlterConfigsRequest, response: incrementalAlterConfigsResponse },
  { apiKey: 47, name: 'OffsetDelete', request: offsetDeleteRequest, response: offsetDeleteResponse },
  { apiKey: 60, name: 'DescribeCluster', request: describeClusterRequest, response: describeClusterResponse },
  { apiKey: 61, name: 'DescribeProducers', request: describeProducersRequest, response: describeProducersResponse },
  { apiKey: 65, name: 'DescribeTransactions', request: describeTransactionsRequest, response: describeTransactionsResponse },
  { apiKey: 66, name: 'ListTransactions', request: listTransactionsRequest, response: listTransactionsResponse },
  { apiKey: 68, name: 'ConsumerGroupHeartbeat', request: consumerGroupHeartbeatRequest, response: consumerGroupHeartbeatResponse },
  { apiKey: 69, name: 'ConsumerGroupDescribe', request: consumerGroupDescribeRequest, response: consumerGroupDescribeResponse },
  { apiKey: 75, name: 'DescribeTopicPartitions', request: describeTopicPartitionsRequest, response: describeTopicPartitionsResponse },
];

const byKey = new Map<number, ApiDefinition>(API_DEFINITIONS.map((api) => [api.apiKey, api]));

export function apiDefinition(apiKey: number): ApiDefinition | undefined {
  return byKey.get(apiKey);
}

/** Numeric API keys by name, for readable call sites (`ApiKey.Produce`). */
export const ApiKey = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  DescribeGroups: 15,
  ListGroups: 16,
  SaslHandshake: 17,
  ApiVersions: 18,
  CreateTopics: 19,
  DeleteTopics: 20,
  DeleteRecords: 21,
  InitProducerId: 22,
  OffsetForLeaderEpoch: 23,
  AddPartitionsToTxn: 24,
  AddOffsetsToTxn: 25,
  EndTxn: 26,
  WriteTxnMarkers: 27,
  TxnOffsetCommit: 28,
  DescribeConfigs: 32,
  AlterConfigs: 33,
  SaslAuthenticate: 36,
  CreatePartitions: 37,
  DeleteGroups: 42,
  IncrementalAlterConfigs: 44,
  OffsetDelete: 47,
  DescribeCluster: 60,
  DescribeProducers: 61,
  DescribeTransactions: 65,
  ListTransactions: 66,
  ConsumerGroupHeartbeat: 68,
  ConsumerGroupDescribe: 69,
  DescribeTopicPartitions: 75,
} as const;

export type ApiKey = (typeof ApiKey)[keyof typeof ApiKey];
