// Shared config types: Kafka's config value types, DescribeConfigs source and type codes,
// IncrementalAlterConfigs operation codes, and the shape of one config definition.
// Facts from Kafka's ConfigDef.Type, DescribeConfigsResponse.ConfigSource/ConfigType and
// AlterConfigOp.OpType; expressed in fjord's own types.

/** Kafka's ConfigDef.Type names. */
export type ConfigTypeName =
  | 'BOOLEAN'
  | 'STRING'
  | 'INT'
  | 'SHORT'
  | 'LONG'
  | 'DOUBLE'
  | 'LIST'
  | 'CLASS'
  | 'PASSWORD';

/** The config_type code DescribeConfigs v3+ returns (DescribeConfigsResponse.ConfigType). */
export const ConfigTypeCode = {
  UNKNOWN: 0,
  BOOLEAN: 1,
  STRING: 2,
  INT: 3,
  SHORT: 4,
  LONG: 5,
  DOUBLE: 6,
  LIST: 7,
  CLASS: 8,
  PASSWORD: 9,
} as const;
export type ConfigTypeCode = (typeof ConfigTypeCode)[keyof typeof ConfigTypeCode];

/** The config_source code DescribeConfigs v1+ returns (DescribeConfigsResponse.ConfigSource). */
export const ConfigSource = {
  UNKNOWN: 0,
  TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
  CLIENT_METRICS_CONFIG: 7,
  GROUP_CONFIG: 8,
} as const;
export type ConfigSource = (typeof ConfigSource)[keyof typeof ConfigSource];

/** IncrementalAlterConfigs config_operation codes (AlterConfigOp.OpType). */
export const AlterConfigOperation = {
  SET: 0,
  DELETE: 1,
  APPEND: 2,
  SUBTRACT: 3,
} as const;
export type AlterConfigOperation = (typeof AlterConfigOperation)[keyof typeof AlterConfigOperation];

/** DescribeConfigs / AlterConfigs resource_type codes (ConfigResource.Type). */
export const ConfigResourceType = {
  UNKNOWN: 0,
  TOPIC: 2,
  BROKER: 4,
  BROKER_LOGGER: 8,
  CLIENT_METRICS: 16,
  GROUP: 32,
} as const;
export type ConfigResourceType = (typeof ConfigResourceType)[keyof typeof ConfigResourceType];

/**
 * A parsed config value. BOOLEAN → boolean; STRING, CLASS, PASSWORD → string; INT, SHORT and
 * DOUBLE → number; LONG → bigint (exact, so Long.MAX_VALUE keeps its meaning); LIST → string[];
 * null when a config has no value (Kafka's null default).
 */
export type ConfigValue = boolean | number | bigint | string | readonly string[] | null;

/** A failure that names a part of the value (ValidList names the offending element). */
export interface ValidationFailure {
  readonly shownValue: string;
  readonly reason: string;
}

/** Checks a parsed, non-null value; returns Kafka's reason text when it is invalid. */
export type ConfigValidator = (value: Exclude<ConfigValue, null>) => string | ValidationFailure | undefined;

/** One config as Kafka defines it. */
export interface ConfigDefinition {
  readonly name: string;
  readonly type: ConfigTypeName;
  /** Kafka's default as the string Kafka would print for it, or null for no value. */
  readonly defaultValue: string | null;
  readonly validator?: ConfigValidator;
  /** What the config means, in fjord's own words (DescribeConfigs v3+ documentation). */
  readonly documentation: string;
}

/** How Kafka lets a broker config change at runtime (DynamicBrokerConfig). */
export type DynamicUpdateMode = 'read-only' | 'per-broker' | 'cluster-wide';

export interface TopicConfigDefinition extends ConfigDefinition {
  /**
   * The broker configs that supply this topic config's server default, highest precedence
   * first (ServerTopicConfigSynonyms). Empty when there is no server default.
   */
  readonly brokerSynonyms: readonly string[];
  /** Whether fjord's log acts on this config (others are stored and described only). */
  readonly fjordApplies: boolean;
}

export interface BrokerConfigDefinition extends ConfigDefinition {
  readonly dynamicUpdateMode: DynamicUpdateMode;
  /** Whether fjord acts on this config at all. */
  readonly fjordApplies: boolean;
  /** Whether a dynamic change takes effect in fjord without a restart. */
  readonly fjordAppliesDynamically: boolean;
}

/** One DescribeConfigs synonym (v1+), field names as in the protocol schema. */
export interface DescribeConfigsSynonym {
  name: string;
  value: string | null;
  source: ConfigSource;
}

/** One DescribeConfigs result entry (v1+), field names as in the protocol schema. */
export interface DescribeConfigsEntry {
  name: string;
  value: string | null;
  readOnly: boolean;
  configSource: ConfigSource;
  isSensitive: boolean;
  synonyms: DescribeConfigsSynonym[];
  configType: ConfigTypeCode;
  documentation: string | null;
}

/** A Kafka error as a value: code from src/protocol/error-codes.ts and Kafka-like message. */
export interface ConfigError {
  errorCode: number;
  errorMessage: string;
}
