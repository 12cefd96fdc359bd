/**
 * DescribeConfigs (key 32), v1-4 (Kafka 4.1's range; kafkajs 2.2.4 sends v2). Per resource, as
 * Kafka's ConfigHelper.describeConfigs answers, with the config module's entries (Kafka's names,
 * values as Kafka prints them, sources, readOnly, isSensitive, types):
 *
 * - TOPIC: every topic config, or the requested keys; invalid names INVALID_TOPIC_EXCEPTION,
 *   unknown topics UNKNOWN_TOPIC_OR_PARTITION.
 * - BROKER with this node's id: every broker config fjord models plus any other set; with the
 *   empty name: the cluster-wide dynamic defaults only; another id: INVALID_REQUEST.
 * - BROKER_LOGGER with this node's id: an empty list. Kafka lists its log4j loggers there; fjord
 *   has no loggers to describe or change. Empty or other ids get Kafka's INVALID_REQUEST.
 * - Other types (GROUP, CLIENT_METRICS, unknown): INVALID_REQUEST "Unsupported resource type".
 * - synonyms when includeSynonyms (v1+), type and documentation (v3+) when includeDocumentation.
 * - At most MAX_DESCRIBED_ENTRIES_PER_REQUEST config entries in one response: a request asking
 *   for more (e.g. the same broker resource thousands of times, ~110 entries and ~30 KB each)
 *   closes the connection, as an unparseable request does. Kafka has no such bound; without it a
 *   1 MB request could build a response of gigabytes.
 */
import { ConfigResourceType, describeBrokerConfigs, describeTopicConfigs, type DescribeConfigsEntry } from '../config/index.ts';
import { validateTopicName } from '../metadata/metadata-store.ts';
import { describeConfigsRequest, describeConfigsResponse, ErrorCode, type InputOf } from '../protocol/index.ts';
import { defineHandler } from './types.ts';

type ResourceResult = NonNullable<InputOf<typeof describeConfigsResponse>['results']>[number];

/** The most config entries one DescribeConfigs response carries (~30 MB with documentation). */
export const MAX_DESCRIBED_ENTRIES_PER_REQUEST = 100_000;

const RESOURCE_TYPE_NAMES = new Map<number, string>(Object.entries(ConfigResourceType).map(([name, code]) => [code, name]));

function brokerLoggerError(resourceName: string, nodeId: number): string | null {
  if (resourceName === '') return 'Broker id must not be empty';
  if (!/^-?\d+$/.test(resourceName)) return `Broker id must be an integer, but it is: ${resourceName}`;
  if (Number(resourceName) !== nodeId) return `Unexpected broker id, expected ${nodeId} but received ${resourceName}`;
  return null;
}

export const describeConfigsHandler = defineHandler({
  name: 'DescribeConfigs',
  request: describeConfigsRequest,
  response: describeConfigsResponse,
  advertised: { min: 1, max: 4 },
  handle(request, context) {
    const { metadata, topics } = context.broker;
    const layers = topics.layers;
    const includeSynonyms = request.includeSynonyms;
    const includeDocumentation = request.includeDocumentation;
    let described = 0;
    const results = request.resources.map((resource): ResourceResult => {
      const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
      const failed = (errorCode: number, errorMessage: string | null): ResourceResult => ({ ...base, errorCode, errorMessage, configs: [] });
      const answer = (configs: DescribeConfigsEntry[]): ResourceResult => {
        described += configs.length;
        if (described > MAX_DESCRIBED_ENTRIES_PER_REQUEST) {
          throw new Error(`DescribeConfigs asks for more than ${MAX_DESCRIBED_ENTRIES_PER_REQUEST} config entries: closing the connection`);
        }
        return { ...base, errorCode: ErrorCode.NONE, errorMessage: null, configs };
      };
      switch (resource.resourceType) {
        case ConfigResourceType.TOPIC: {
          const invalid = validateTopicName(resource.resourceName);
          if (invalid !== null) return failed(ErrorCode.INVALID_TOPIC_EXCEPTION, invalid);
          const topic = metadata.topic(resource.resourceName);
          if (topic === undefined) return failed(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.');
          return answer(
            describeTopicConfigs({
              overrides: new Map(Object.entries(topic.configs)),
              layers,
              configNames: resource.configurationKeys,
              includeSynonyms,
              includeDocumentation,
            }),
          );
        }
        case ConfigResourceType.BROKER: {
          const described = describeBrokerConfigs({
            resourceName: resource.resourceName,
            nodeId: metadata.nodeId,
            layers,
            configNames: resource.configurationKeys,
            includeSynonyms,
            includeDocumentation,
          });
          return described.errorCode === ErrorCode.NONE ? answer(described.configs) : failed(described.errorCode, described.errorMessage);
        }
        case ConfigResourceType.BROKER_LOGGER: {
          const error = brokerLoggerError(resource.resourceName, metadata.nodeId);
          return error === null ? answer([]) : failed(ErrorCode.INVALID_REQUEST, error);
        }
        default:
          return failed(ErrorCode.INVALID_REQUEST, `Unsupported resource type: ${RESOURCE_TYPE_NAMES.get(resource.resourceType) ?? 'UNKNOWN'}`);
      }
    });
    return { throttleTimeMs: 0, results };
  },
});
