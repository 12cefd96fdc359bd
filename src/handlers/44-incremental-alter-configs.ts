/**
 * IncrementalAlterConfigs (key 44), v0-1 (Kafka 4.1's range; the Java admin's alterConfigs and
 * @platformatic/kafka use it). Each resource's operations (SET 0, DELETE 1, APPEND 2,
 * SUBTRACT 3) apply to its current dynamic configs (a topic's overrides, the broker's per-broker
 * or cluster-wide dynamic configs), validated as a whole by the config module with Kafka's
 * messages. The resource rules (repeated resources, topics, brokers, validateOnly, persistence
 * and effect on the live logs) are AlterConfigs's, see 33-alter-configs.ts. BROKER_LOGGER: this
 * node's id with no operations succeeds; any operation names a logger fjord does not have
 * (INVALID_CONFIG "Logger x does not exist!", as Kafka answers for an unknown logger).
 */
import { incrementalAlterConfigsRequest, incrementalAlterConfigsResponse } from '../protocol/index.ts';
import { alterConfigResources, type ConfigResourceChange } from './33-alter-configs.ts';
import { defineHandler } from './types.ts';

export const incrementalAlterConfigsHandler = defineHandler({
  name: 'IncrementalAlterConfigs',
  request: incrementalAlterConfigsRequest,
  response: incrementalAlterConfigsResponse,
  advertised: { min: 0, max: 1 },
  async handle(request, context) {
    const resources = request.resources.map(
      (resource): ConfigResourceChange => ({
        resourceType: resource.resourceType,
        resourceName: resource.resourceName,
        change: {
          kind: 'incremental',
          operations: resource.configs.map((config) => ({ name: config.name, configOperation: config.configOperation, value: config.value })),
        },
      }),
    );
    const responses = await alterConfigResources(resources, request.validateOnly, context);
    return { throttleTimeMs: 0, responses };
  },
});
