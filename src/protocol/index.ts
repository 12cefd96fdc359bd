// The public surface of the protocol layer (sans-IO). See README.md.

export { API_DEFINITIONS, ApiKey, apiDefinition, type ApiDefinition } from './apis.ts';
export {
  codecFor,
  decodeMessage,
  decodeRequest,
  decodeResponse,
  decodeWith,
  encodeMessage,
  encodeRequest,
  encodeResponse,
  encodeResponseParts,
  readRequestHeader,
  requestHeaderVersion,
  responseHeaderVersion,
  supportsVersion,
  versionRangeOf,
  type DecodedRequest,
  type RequestHeader,
} from './codec.ts';
export { ErrorCode, errorName, isRetriable, type ErrorName } from './error-codes.ts';
export { ProtocolDecodeError, ProtocolEncodeError, type DecodeErrorReason } from './errors.ts';
export { Reader } from './reader.ts';
export * from './record-batch.ts';
export type { InputOf, MessageSchema, ValueOf } from './schema.ts';
export { isRecordsRef, Writer, type EncodedPart, type RecordsRef } from './writer.ts';
export * from './schemas/00-produce.ts';
export * from './schemas/01-fetch.ts';
export * from './schemas/02-list-offsets.ts';
export * from './schemas/03-metadata.ts';
export * from './schemas/08-offset-commit.ts';
export * from './schemas/09-offset-fetch.ts';
export * from './schemas/10-find-coordinator.ts';
export * from './schemas/11-join-group.ts';
export * from './schemas/12-heartbeat.ts';
export * from './schemas/13-leave-group.ts';
export * from './schemas/14-sync-group.ts';
export * from './schemas/15-describe-groups.ts';
export * from './schemas/16-list-groups.ts';
export * from './schemas/17-sasl-handshake.ts';
export * from './schemas/18-api-versions.ts';
export * from './schemas/19-create-topics.ts';
export * from './schemas/20-delete-topics.ts';
export * from './schemas/21-delete-records.ts';
export * from './schemas/22-init-producer-id.ts';
export * from './schemas/23-offset-for-leader-epoch.ts';
export * from './schemas/24-add-partitions-to-txn.ts';
export * from './schemas/25-add-offsets-to-txn.ts';
export * from './schemas/26-end-txn.ts';
export * from './schemas/27-write-txn-markers.ts';
export * from './schemas/28-txn-offset-commit.ts';
export * from './schemas/32-describe-configs.ts';
export * from './schemas/33-alter-configs.ts';
export * from './schemas/36-sasl-authenticate.ts';
export * from './schemas/37-create-partitions.ts';
export * from './schemas/42-delete-groups.ts';
export * from './schemas/44-incremental-alter-configs.ts';
export * from './schemas/47-offset-delete.ts';
export * from './schemas/60-describe-cluster.ts';
export * from './schemas/61-describe-producers.ts';
export * from './schemas/65-describe-transactions.ts';
export * from './schemas/66-list-transactions.ts';
export * from './schemas/68-consumer-group-heartbeat.ts';
export * from './schemas/69-consumer-group-describe.ts';
export * from './schemas/75-describe-topic-partitions.ts';
