/**
 * The records of the metadata log, encoded with protobufjs.
 *
 * The schema is declared here with protobufjs's reflection API rather than loaded from a .proto
 * file: it sits beside the code that writes and replays it, there is no file to locate or ship
 * next to the sources at run time, and no .proto parser runs at start-up. The equivalent .proto:
 *
 *   syntax = "proto3";
 *   message ClusterCreated       { bytes cluster_id = 1; }
 *   message TopicCreated         { string name = 1; bytes topic_id = 2; int32 partition_count = 3;
 *                                  map<string, string> configs = 4; bool internal = 5; }
 *   message TopicRemoved         { bytes topic_id = 1; }
 *   message PartitionsCreated    { bytes topic_id = 1; int32 partition_count = 2; }
 *   message TopicConfigsSet      { bytes topic_id = 1; map<string, string> configs = 2; }
 *   message BrokerConfigsSet     { bool cluster = 1; int32 node_id = 2; map<string, string> configs = 3; }
 *   message ProducerIdsAllocated { int64 next_producer_id = 1; }
 *   message MetadataRecord {
 *     oneof record {
 *       ClusterCreated cluster_created = 1;  TopicCreated topic_created = 2;
 *       TopicRemoved topic_removed = 3;      PartitionsCreated partitions_created = 4;
 *       TopicConfigsSet topic_configs_set = 5; BrokerConfigsSet broker_configs_set = 6;
 *       ProducerIdsAllocated producer_ids_allocated = 7;
 *     }
 *   }
 *
 * Field numbers are never reused; a later version adds fields and oneof cases, which older code
 * skips (protobuf ignores unknown fields), so the Raft-replicated log can grow from this one.
 */
import protobuf from 'protobufjs';

export type MetadataRecord =
  | { kind: 'clusterCreated'; clusterId: Uint8Array }
  | { kind: 'topicCreated'; name: string; topicId: Uint8Array; partitionCount: number; configs: Record<string, string>; internal: boolean }
  | { kind: 'topicRemoved'; topicId: Uint8Array }
  | { kind: 'partitionsCreated'; topicId: Uint8Array; partitionCount: number }
  | { kind: 'topicConfigsSet'; topicId: Uint8Array; configs: Record<string, string> }
  | { kind: 'brokerConfigsSet'; cluster: boolean; nodeId: number; configs: Record<string, string> }
  | { kind: 'producerIdsAllocated'; nextProducerId: bigint };

const { Field, MapField, OneOf, Root, Type } = protobuf;

const cases = [
  ['clusterCreated', 1, new Type('ClusterCreated').add(new Field('clusterId', 1, 'bytes'))],
  [
    'topicCreated',
    2,
    new Type('TopicCreated')
      .add(new Field('name', 1, 'string'))
      .add(new Field('topicId', 2, 'bytes'))
      .add(new Field('partitionCount', 3, 'int32'))
      .add(new MapField('configs', 4, 'string', 'string'))
      .add(new Field('internal', 5, 'bool')),
  ],
  ['topicRemoved', 3, new Type('TopicRemoved').add(new Field('topicId', 1, 'bytes'))],
  [
    'partitionsCreated',
    4,
    new Type('PartitionsCreated').add(new Field('topicId', 1, 'bytes')).add(new Field('partitionCount', 2, 'int32')),
  ],
  [
    'topicConfigsSet',
    5,
    new Type('TopicConfigsSet').add(new Field('topicId', 1, 'bytes')).add(new MapField('configs', 2, 'string', 'string')),
  ],
  [
    'brokerConfigsSet',
    6,
    new Type('BrokerConfigsSet')
      .add(new Field('cluster', 1, 'bool'))
      .add(new Field('nodeId', 2, 'int32'))
      .add(new MapField('configs', 3, 'string', 'string')),
  ],
  ['producerIdsAllocated', 7, new Type('ProducerIdsAllocated').add(new Field('nextProducerId', 1, 'int64'))],
] as const;

const recordType = new Type('MetadataRecord');
const root = new Root();
for (const [name, id, type] of cases) {
  root.add(type);
  recordType.add(new Field(name, id, type.name));
}
recordType.add(new OneOf('record', cases.map(([name]) => name)));
root.add(recordType);
root.resolveAll();

const KINDS = new Set<string>(cases.map(([name]) => name));

export function encodeMetadataRecord(record: MetadataRecord): Uint8Array {
  const { kind, ...fields } = record;
  const body = kind === 'producerIdsAllocated' ? { nextProducerId: record.nextProducerId.toString() } : fields;
  return recordType.encode(recordType.fromObject({ [kind]: body })).finish();
}

export class MetadataRecordDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MetadataRecordDecodeError';
  }
}

/** Decodes one record; throws MetadataRecordDecodeError for bytes that are not one we know. */
export function decodeMetadataRecord(bytes: Uint8Array): MetadataRecord {
  let object: Record<string, unknown>;
  try {
    const message = recordType.decode(bytes);
    object = recordType.toObject(message, { longs: String, bytes: Buffer, defaults: true, oneofs: true }) as Record<string, unknown>;
  } catch (error) {
    throw new MetadataRecordDecodeError(`undecodable metadata record: ${(error as Error).message}`);
  }
  const kind = object['record'];
  if (typeof kind !== 'string' || !KINDS.has(kind)) throw new MetadataRecordDecodeError('metadata record of no known kind');
  const body = object[kind] as Record<string, unknown>;
  const bytesOf = (name: string): Uint8Array => {
    const value = body[name];
    if (!(value instanceof Uint8Array)) throw new MetadataRecordDecodeError(`${kind}.${name} is not bytes`);
    return value;
  };
  const configsOf = (): Record<string, string> => ({ ...((body['configs'] as Record<string, string> | undefined) ?? {}) });
  switch (kind) {
    case 'clusterCreated':
      return { kind, clusterId: bytesOf('clusterId') };
    case 'topicCreated':
      return {
        kind,
        name: String(body['name']),
        topicId: bytesOf('topicId'),
        partitionCount: Number(body['partitionCount']),
        configs: configsOf(),
        internal: body['internal'] === true,
      };
    case 'topicRemoved':
      return { kind, topicId: bytesOf('topicId') };
    case 'partitionsCreated':
      return { kind, topicId: bytesOf('topicId'), partitionCount: Number(body['partitionCount']) };
    case 'topicConfigsSet':
      return { kind, topicId: bytesOf('topicId'), configs: configsOf() };
    case 'brokerConfigsSet':
      return { kind, cluster: body['cluster'] === true, nodeId: Number(body['nodeId']), configs: configsOf() };
    default:
      return { kind: 'producerIdsAllocated', nextProducerId: BigInt(String(body['nextProducerId'])) };
  }
}
