// A topic's effective configuration and the topic side of the config APIs. Resolution follows
// Kafka: the topic's own override, else the first broker synonym (in ServerTopicConfigSynonyms
// order) set as a dynamic per-broker, dynamic cluster-default or static broker config, else the
// Kafka default. Describe entries, validation and alter operations return Kafka's error codes and
// messages as values, for the CreateTopics, DescribeConfigs, AlterConfigs and
// IncrementalAlterConfigs handlers.

import type { LogSettings } from '../native/index.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { applyAlterOperations, type AlterConfigOperationInput } from './alter-operations.ts';
import { BROKER_CONFIGS } from './broker-definitions.ts';
import type { BrokerConfigLayers } from './broker-config.ts';
import { brokerSynonymEntries, configTypeCode } from './describe.ts';
import { SYNONYM_TO_MILLISECONDS, TOPIC_CONFIG_DEFINITIONS, TOPIC_CONFIGS } from './topic-definitions.ts';
import {
  AlterConfigOperation,
  type ConfigError,
  ConfigSource,
  type ConfigValue,
  type DescribeConfigsEntry,
  type DescribeConfigsSynonym,
  type TopicConfigDefinition,
} from './types.ts';
import { formatValue, parseConfig, parseKnownValid } from './values.ts';

/** One topic config as resolved: the parsed value and where it came from. */
export interface ResolvedTopicConfig {
  readonly name: string;
  readonly value: ConfigValue;
  readonly source: ConfigSource;
  /** The config that supplied the value: the topic config itself or a broker synonym. */
  readonly from: string;
}

/** Every topic config of a topic, resolved. */
export type EffectiveTopicConfig = ReadonlyMap<string, ResolvedTopicConfig>;

/** A topic's stored overrides: config name to the raw string it was set with. */
export type TopicConfigOverrides = ReadonlyMap<string, string>;

const BROKER_LAYER_SOURCES = [
  ['dynamicBrokerConfigs', ConfigSource.DYNAMIC_BROKER_CONFIG],
  ['dynamicDefaultConfigs', ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG],
  ['staticConfigs', ConfigSource.STATIC_BROKER_CONFIG],
] as const;

/** Converts a broker synonym's parsed value to the topic config's type and unit. */
function fromBrokerSynonym(definition: TopicConfigDefinition, synonym: string, value: ConfigValue): ConfigValue {
  const factor = SYNONYM_TO_MILLISECONDS.get(synonym);
  if (factor !== undefined && typeof value === 'number') {
    const millis = BigInt(value) * factor;
    // KafkaConfig.logRetentionTimeMillis: any negative retention means "forever" (-1).
    return definition.name === 'retention.ms' && millis < 0n ? -1n : millis;
  }
  if (definition.type === 'LONG' && typeof value === 'number') return BigInt(value);
  return value;
}

function resolveOne(definition: TopicConfigDefinition, overrides: TopicConfigOverrides, layers: BrokerConfigLayers): ResolvedTopicConfig {
  const override = overrides.get(definition.name);
  if (override !== undefined) {
    const parsed = parseConfig(definition, override);
    if (parsed.ok) return { name: definition.name, value: parsed.value, source: ConfigSource.TOPIC_CONFIG, from: definition.name };
  }
  for (const synonym of definition.brokerSynonyms) {
    const brokerDefinition = BROKER_CONFIGS.get(synonym);
    if (brokerDefinition === undefined) continue;
    for (const [layer, source] of BROKER_LAYER_SOURCES) {
      const raw = layers[layer].get(synonym);
      if (raw === undefined) continue;
      const parsed = parseConfig(brokerDefinition, raw);
      if (!parsed.ok || parsed.value === null) continue;
      return { name: definition.name, value: fromBrokerSynonym(definition, synonym, parsed.value), source, from: synonym };
    }
  }
  return {
    name: definition.name,
    value: parseKnownValid(definition, definition.defaultValue),
    source: ConfigSource.DEFAULT_CONFIG,
    from: definition.name,
  };
}

/** Resolves every topic config of a topic from its overrides and the broker's layers. */
export function resolveTopicConfig(overrides: TopicConfigOverrides, layers: BrokerConfigLayers): EffectiveTopicConfig {
  const resolved = new Map<string, ResolvedTopicConfig>();
  for (const definition of TOPIC_CONFIG_DEFINITIONS) resolved.set(definition.name, resolveOne(definition, overrides, layers));
  return resolved;
}

function valueOf(effective: EffectiveTopicConfig, name: string): ConfigValue {
  const entry = effective.get(name);
  if (entry === undefined) throw new Error(`effective topic config lacks ${name}`);
  return entry.value;
}

/**
 * JavaScript number for the native log. Long.MAX_VALUE becomes 2^63 (the nearest double), which
 * the native side saturates to i64::MAX, so "no limit" stays "no limit".
 */
function nativeNumber(value: ConfigValue): number {
  if (typeof value === 'bigint' || typeof value === 'number') return Number(value);
  throw new Error(`expected a number, got ${String(value)}`);
}

/** The native log's settings for a topic's effective configuration. */
export function toLogSettings(effective: EffectiveTopicConfig): LogSettings {
  const cleanupPolicy = valueOf(effective, 'cleanup.policy') as readonly string[];
  // Under a policy without "delete", retention never deletes segments.
  const deletes = cleanupPolicy.includes('delete');
  return {
    segmentBytes: nativeNumber(valueOf(effective, 'segment.bytes')),
    segmentMs: nativeNumber(valueOf(effective, 'segment.ms')),
    segmentIndexBytes: nativeNumber(valueOf(effective, 'segment.index.bytes')),
    indexIntervalBytes: nativeNumber(valueOf(effective, 'index.interval.bytes')),
    retentionMs: deletes ? nativeNumber(valueOf(effective, 'retention.ms')) : -1,
    retentionBytes: deletes ? nativeNumber(valueOf(effective, 'retention.bytes')) : -1,
    maxMessageBytes: nativeNumber(valueOf(effective, 'max.message.bytes')),
    messageTimestampType: String(valueOf(effective, 'message.timestamp.type')),
    messageTimestampBeforeMaxMs: nativeNumber(valueOf(effective, 'message.timestamp.before.max.ms')),
    messageTimestampAfterMaxMs: nativeNumber(valueOf(effective, 'message.timestamp.after.max.ms')),
    flushMessages: nativeNumber(valueOf(effective, 'flush.messages')),
    flushMs: nativeNumber(valueOf(effective, 'flush.ms')),
  };
}

export interface DescribeTopicConfigsOptions {
  overrides: TopicConfigOverrides;
  layers: BrokerConfigLayers;
  /** The configuration_keys of the request: null or empty means all. */
  configNames?: readonly string[] | null;
  includeSynonyms: boolean;
  includeDocumentation: boolean;
}

/** DescribeConfigs entries of a topic, as Kafka's ConfigHelper.createTopicConfigEntry builds them. */
export function describeTopicConfigs(options: DescribeTopicConfigsOptions): DescribeConfigsEntry[] {
  const effective = resolveTopicConfig(options.overrides, options.layers);
  const wanted = options.configNames === null || options.configNames === undefined || options.configNames.length === 0
    ? null
    : new Set(options.configNames);
  const entries: DescribeConfigsEntry[] = [];
  for (const definition of TOPIC_CONFIG_DEFINITIONS) {
    if (wanted !== null && !wanted.has(definition.name)) continue;
    const value = formatValue(definition.type, valueOf(effective, definition.name));
    const serverName = definition.brokerSynonyms[0];
    const synonyms: DescribeConfigsSynonym[] = serverName === undefined ? [] : brokerSynonymEntries(serverName, options.layers, false);
    if (options.overrides.has(definition.name)) synonyms.unshift({ name: definition.name, value, source: ConfigSource.TOPIC_CONFIG });
    entries.push({
      name: definition.name,
      value,
      readOnly: false,
      configSource: synonyms[0]?.source ?? ConfigSource.DEFAULT_CONFIG,
      isSensitive: false,
      synonyms: options.includeSynonyms ? synonyms : [],
      configType: configTypeCode(definition.type),
      documentation: options.includeDocumentation ? definition.documentation : null,
    });
  }
  return entries;
}

function invalidConfig(errorMessage: string): ConfigError {
  return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage };
}

function invalidRequest(errorMessage: string): ConfigError {
  return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage };
}

/**
 * Validates a topic's complete set of overrides (LogConfig.validate): names, values, and the
 * checks across configs, with the broker's values standing in for configs the topic does not set.
 */
export function validateTopicConfigs(overrides: TopicConfigOverrides, layers: BrokerConfigLayers): ConfigError | null {
  for (const name of overrides.keys()) {
    if (!TOPIC_CONFIGS.has(name)) return invalidConfig(`Unknown topic config name: ${name}`);
  }
  for (const [name, raw] of overrides) {
    const parsed = parseConfig(TOPIC_CONFIGS.get(name) as TopicConfigDefinition, raw);
    if (!parsed.ok) return invalidConfig(parsed.message);
  }
  const effective = resolveTopicConfig(overrides, layers);
  const minLag = valueOf(effective, 'min.compaction.lag.ms') as bigint;
  const maxLag = valueOf(effective, 'max.compaction.lag.ms') as bigint;
  if (minLag > maxLag) {
    return invalidConfig(`conflict topic config setting min.compaction.lag.ms (${minLag}) > max.compaction.lag.ms (${maxLag})`);
  }
  if (valueOf(effective, 'remote.storage.enable') === true) {
    // fjord has no tiered storage, which Kafka reports as the feature being disabled in the broker.
    return invalidConfig('Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log storage.');
  }
  return null;
}

export interface ConfigEntryInput {
  name: string;
  value: string | null;
}

export interface TopicConfigChange {
  error: ConfigError | null;
  /** The topic's overrides after the change (unchanged input when there is an error). */
  configs: Map<string, string>;
}

function duplicateNames(names: readonly string[]): boolean {
  return new Set(names).size !== names.length;
}

/** CreateTopics: the new topic's overrides from the request's configs, validated. */
export function createTopicConfigs(entries: readonly ConfigEntryInput[], layers: BrokerConfigLayers): TopicConfigChange {
  const configs = new Map<string, string>();
  const nulls = entries.filter((entry) => entry.value === null).map((entry) => entry.name);
  if (nulls.length > 0) {
    return { error: invalidConfig(`Null value not supported for topic configs: ${nulls.join(',')}`), configs };
  }
  for (const entry of entries) configs.set(entry.name, entry.value as string);
  return { error: validateTopicConfigs(configs, layers), configs };
}

/** AlterConfigs (legacy) on a topic: the given configs replace all existing overrides. */
export function alterTopicConfigs(current: TopicConfigOverrides, entries: readonly ConfigEntryInput[], layers: BrokerConfigLayers): TopicConfigChange {
  const unchanged = new Map(current);
  if (duplicateNames(entries.map((entry) => entry.name))) return { error: invalidRequest('Error due to duplicate config keys'), configs: unchanged };
  const nulls = entries.filter((entry) => entry.value === null).map((entry) => entry.name);
  if (nulls.length > 0) return { error: invalidRequest(`Null value not supported for : ${nulls.join(', ')}`), configs: unchanged };
  const configs = new Map<string, string>();
  for (const entry of entries) configs.set(entry.name, entry.value as string);
  const error = validateTopicConfigs(configs, layers);
  return error === null ? { error: null, configs } : { error, configs: unchanged };
}

function listParts(raw: string | null | undefined): string[] {
  if (raw === null || raw === undefined) return [];
  return raw.split(',').filter((part) => part !== '');
}

/** IncrementalAlterConfigs on a topic: applies SET, DELETE, APPEND and SUBTRACT, then validates. */
export function incrementalAlterTopicConfigs(
  current: TopicConfigOverrides,
  operations: readonly AlterConfigOperationInput[],
  layers: BrokerConfigLayers,
): TopicConfigChange {
  const unchanged = new Map(current);
  const applied = applyAlterOperations(current, operations, (configs, operation) => {
    const { name, value } = operation;
    const definition = TOPIC_CONFIGS.get(name);
    const opName = operation.configOperation === AlterConfigOperation.APPEND ? 'APPEND' : 'SUBTRACT';
    if (definition === undefined || definition.type !== 'LIST') {
      return invalidConfig(`Can't ${opName} to key ${name} because its type is not LIST.`);
    }
    // ConfigurationControlManager: start from the stored value, else the config's default.
    const parts = listParts(configs.get(name) ?? definition.defaultValue);
    for (const part of value.split(',')) {
      if (opName === 'APPEND' && !parts.includes(part)) parts.push(part);
      if (opName === 'SUBTRACT') {
        const at = parts.indexOf(part);
        if (at !== -1) parts.splice(at, 1);
      }
    }
    configs.set(name, parts.join(','));
    return null;
  });
  if (applied.error !== null) return { error: applied.error, configs: unchanged };
  const configs = applied.configs;
  const error = validateTopicConfigs(configs, layers);
  return error === null ? { error: null, configs } : { error, configs: unchanged };
}
