/**
 * AlterConfigs (key 33), v0-2 (Kafka 4.1's range; kafkajs 2.2.4 sends v1). The legacy alter: a
 * resource's given configs replace all its dynamic configs (for a topic: all its overrides).
 *
 * Per resource, in request order, as Kafka 4.1's broker (ConfigAdminManager.preprocess) and
 * controller (ControllerApis, ConfigurationControlManager) answer:
 * - A resource (type and name) named more than once: INVALID_REQUEST "Each resource must appear
 *   at most once." for every occurrence, and none of them is changed.
 * - TOPIC: "" → INVALID_REQUEST "Default topic resources are not allowed.", invalid names
 *   INVALID_TOPIC_EXCEPTION, missing topics UNKNOWN_TOPIC_OR_PARTITION "The topic 'x' does not
 *   exist.", then the config module's validation (alterTopicConfigs: names, values, duplicate
 *   keys, nulls, checks across configs) with Kafka's codes and messages.
 * - BROKER: this node's id (per-broker) or "" (cluster-wide default), alterBrokerConfigs's rules
 *   (read-only configs, per-broker-only configs at cluster level, values).
 * - BROKER_LOGGER: INVALID_REQUEST "AlterConfigs is deprecated and does not support the resource
 *   type BROKER_LOGGER"; other known types INVALID_REQUEST "Unexpected resource type X.";
 *   unknown type codes UNSUPPORTED_VERSION "Unknown resource type N.".
 * - validateOnly: all checks, no change.
 * Changes are durable in the metadata store (TopicAdmin) before the answer and take effect on the
 * live logs at once (topic overrides, and broker log defaults through every topic's settings).
 */
import {
  alterBrokerConfigs,
  alterTopicConfigs,
  ConfigResourceType,
  incrementalAlterBrokerConfigs,
  incrementalAlterTopicConfigs,
  type AlterConfigOperationInput,
  type ConfigEntryInput,
} from '../config/index.ts';
import { validateTopicName } from '../metadata/metadata-store.ts';
import { alterConfigsRequest, alterConfigsResponse, ErrorCode } from '../protocol/index.ts';
import type { RequestContext } from './types.ts';
import { defineHandler } from './types.ts';

export interface ConfigResourceChange {
  readonly resourceType: number;
  readonly resourceName: string;
  /** AlterConfigs: the complete new set; IncrementalAlterConfigs: operations. */
  readonly change: { readonly kind: 'replace'; readonly entries: readonly ConfigEntryInput[] } | { readonly kind: 'incremental'; readonly operations: readonly AlterConfigOperationInput[] };
}

export interface ConfigResourceResult {
  errorCode: number;
  errorMessage: string | null;
  resourceType: number;
  resourceName: string;
}

const RESOURCE_TYPE_NAMES = new Map<number, string>(Object.entries(ConfigResourceType).map(([name, code]) => [code, name]));

function brokerIdError(resourceName: string, nodeId: number): string | null {
  if (resourceName === '') return 'Broker id must not be empty';
  if (!/^-?\d+$/.test(resourceName)) return `Broker id must be an integer, but it is: ${resourceName}`;
  if (Number(resourceName) !== nodeId) return `Unexpected broker id, expected ${nodeId} but received ${resourceName}`;
  return null;
}

async function alterOne(resource: ConfigResourceChange, validateOnly: boolean, context: RequestContext): Promise<{ errorCode: number; errorMessage: string | null }> {
  const { metadata, topics } = context.broker;
  const ok = { errorCode: ErrorCode.NONE, errorMessage: null };
  const { change } = resource;
  switch (resource.resourceType) {
    case ConfigResourceType.TOPIC: {
      const name = resource.resourceName;
      if (name === '') return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Default topic resources are not allowed.' };
      const invalid = validateTopicName(name);
      if (invalid !== null) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: invalid };
      const topic = metadata.topic(name);
      if (topic === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `The topic '${name}' does not exist.` };
      const current = new Map(Object.entries(topic.configs));
      const result =
        change.kind === 'replace' ? alterTopicConfigs(current, change.entries, topics.layers) : incrementalAlterTopicConfigs(current, change.operations, topics.layers);
      if (result.error !== null) return result.error;
      if (validateOnly) return ok;
      const outcome = await topics.setTopicConfigs(name, result.configs);
      return { errorCode: outcome.errorCode, errorMessage: outcome.errorMessage };
    }
    case ConfigResourceType.BROKER: {
      const input = { resourceName: resource.resourceName, nodeId: metadata.nodeId, layers: topics.layers };
      const result = change.kind === 'replace' ? alterBrokerConfigs({ ...input, entries: change.entries }) : incrementalAlterBrokerConfigs({ ...input, operations: change.operations });
      if (result.error !== null) return result.error;
      if (validateOnly) return ok;
      await topics.setDynamicBrokerConfigs(resource.resourceName === '' ? 'cluster' : metadata.nodeId, result.configs);
      return ok;
    }
    case ConfigResourceType.BROKER_LOGGER: {
      if (change.kind === 'replace') {
        return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'AlterConfigs is deprecated and does not support the resource type BROKER_LOGGER' };
      }
      const idError = brokerIdError(resource.resourceName, metadata.nodeId);
      if (idError !== null) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: idError };
      // fjord has no log4j loggers: every logger name is one Kafka would not find.
      const first = change.operations[0];
      if (first !== undefined) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `Logger ${first.name} does not exist!` };
      return ok;
    }
    default: {
      const typeName = RESOURCE_TYPE_NAMES.get(resource.resourceType);
      if (typeName === undefined || typeName === 'UNKNOWN') {
        return { errorCode: ErrorCode.UNSUPPORTED_VERSION, errorMessage: `Unknown resource type ${resource.resourceType}.` };
      }
      return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unexpected resource type ${typeName}.` };
    }
  }
}

/**
 * Applies AlterConfigs or IncrementalAlterConfigs resources one at a time in request order, each
 * seeing the changes before it; repeated resources are refused as Kafka refuses them.
 */
export async function alterConfigResources(resources: readonly ConfigResourceChange[], validateOnly: boolean, context: RequestContext): Promise<ConfigResourceResult[]> {
  const key = (resource: ConfigResourceChange) => `${resource.resourceType}\u0000${resource.resourceName}`;
  const counts = new Map<string, number>();
  for (const resource of resources) counts.set(key(resource), (counts.get(key(resource)) ?? 0) + 1);
  const results: ConfigResourceResult[] = [];
  for (const resource of resources) {
    const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
    if ((counts.get(key(resource)) ?? 0) > 1) {
      results.push({ ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Each resource must appear at most once.' });
      continue;
    }
    results.push({ ...base, ...(await alterOne(resource, validateOnly, context)) });
  }
  return results;
}

export const alterConfigsHandler = defineHandler({
  name: 'AlterConfigs',
  request: alterConfigsRequest,
  response: alterConfigsResponse,
  advertised: { min: 0, max: 2 },
  async handle(request, context) {
    const resources = request.resources.map(
      (resource): ConfigResourceChange => ({
        resourceType: resource.resourceType,
        resourceName: resource.resourceName,
        change: { kind: 'replace', entries: resource.configs.map((config) => ({ name: config.name, value: config.value })) },
      }),
    );
    return { throttleTimeMs: 0, responses: await alterConfigResources(resources, request.validateOnly, context) };
  },
});
