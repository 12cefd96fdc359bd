// The config module's public surface: Kafka 4.1's broker and topic configs, the properties
// parser, broker config loading, topic config resolution, and the describe/alter functions the
// DescribeConfigs, AlterConfigs, IncrementalAlterConfigs and CreateTopics handlers call.

export * from './types.ts';
export {
  LONG_MAX_VALUE,
  INT_MAX_VALUE,
  DOUBLE_MAX_VALUE,
  formatValue,
  formatJavaDouble,
  parseConfig,
  parseValue,
  type ParseResult,
} from './values.ts';
export { parseProperties, type ParsedProperties, type PropertyEntry, type PropertiesError } from './properties.ts';
export { TOPIC_CONFIG_DEFINITIONS, TOPIC_CONFIGS, SYNONYM_TO_MILLISECONDS } from './topic-definitions.ts';
export {
  BROKER_CONFIG_DEFINITIONS,
  BROKER_CONFIGS,
  KNOWN_KAFKA_BROKER_CONFIG_NAMES,
  LONG_MAX_AS_NUMBER,
  brokerConfigSynonyms,
  isKnownKafkaBrokerConfigName,
} from './broker-definitions.ts';
export {
  FJORD_START_DEFAULTS,
  MAX_PROPERTIES_FILE_BYTES,
  SUPPORTED_SECURITY_PROTOCOLS,
  brokerCombinationProblems,
  brokerConfigFromLayers,
  brokerDefaultValue,
  effectiveBrokerRawValue,
  effectiveBrokerValue,
  loadBrokerConfig,
  parseListeners,
  parseSecurityProtocolMap,
  type BrokerConfig,
  type BrokerConfigLayers,
  type ConfigProblem,
  type ConfigProblemOrigin,
  type Listener,
  type LoadBrokerConfigOptions,
  type LoadBrokerConfigResult,
} from './broker-config.ts';
export { applyAlterOperations, type AlterConfigOperationInput } from './alter-operations.ts';
export {
  alterTopicConfigs,
  createTopicConfigs,
  describeTopicConfigs,
  incrementalAlterTopicConfigs,
  resolveTopicConfig,
  toLogSettings,
  validateTopicConfigs,
  type ConfigEntryInput,
  type DescribeTopicConfigsOptions,
  type EffectiveTopicConfig,
  type ResolvedTopicConfig,
  type TopicConfigChange,
  type TopicConfigOverrides,
} from './topic-config.ts';
export {
  alterBrokerConfigs,
  appliesDynamically,
  describeBrokerConfigs,
  dynamicUpdateMode,
  incrementalAlterBrokerConfigs,
  type BrokerConfigChange,
  type DescribeBrokerConfigsOptions,
  type DescribeBrokerConfigsResult,
} from './broker-dynamic-config.ts';
export { generateClusterId, isValidClusterId } from './cluster-id.ts';
