// Shared pieces of describing configs the way Kafka's ConfigHelper does: the synonym list of a
// broker config across the layers, and sensitivity and type codes.

import { BROKER_CONFIGS, brokerConfigSynonyms, KNOWN_KAFKA_BROKER_CONFIG_NAMES, SENSITIVE_KAFKA_BROKER_CONFIG_NAMES } from './broker-definitions.ts';
import { brokerDefaultValue, type BrokerConfigLayers } from './broker-config.ts';
import { ConfigSource, ConfigTypeCode, type ConfigTypeName, type DescribeConfigsSynonym } from './types.ts';

export function configTypeCode(type: ConfigTypeName | undefined): ConfigTypeCode {
  return type === undefined ? ConfigTypeCode.UNKNOWN : ConfigTypeCode[type];
}

/** The raw default (DEFAULT_CONFIG layer) of a broker config, or undefined when it has none. */
function defaultLayerValue(name: string): string | undefined {
  const definition = BROKER_CONFIGS.get(name);
  if (definition === undefined) return undefined;
  return brokerDefaultValue(definition) ?? undefined;
}

/**
 * Kafka's ConfigHelper.configSynonyms: every synonym of `name` that has a value, by source
 * (dynamic per-broker, dynamic default, static, default), then dropping entries until the first
 * one named `name`. Kafka drops the leading entries even when they are real synonyms (so a topic
 * whose retention comes from log.retention.hours reports no synonyms and DEFAULT_CONFIG); fjord
 * keeps that behaviour.
 */
export function brokerSynonymEntries(name: string, layers: BrokerConfigLayers, sensitive: boolean): DescribeConfigsSynonym[] {
  const synonyms = brokerConfigSynonyms(name);
  const entries: DescribeConfigsSynonym[] = [];
  const sources: Array<[(synonym: string) => string | undefined, ConfigSource]> = [
    [(synonym) => layers.dynamicBrokerConfigs.get(synonym), ConfigSource.DYNAMIC_BROKER_CONFIG],
    [(synonym) => layers.dynamicDefaultConfigs.get(synonym), ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG],
    [(synonym) => layers.staticConfigs.get(synonym), ConfigSource.STATIC_BROKER_CONFIG],
    [defaultLayerValue, ConfigSource.DEFAULT_CONFIG],
  ];
  for (const [lookup, source] of sources) {
    for (const synonym of synonyms) {
      const value = lookup(synonym);
      if (value !== undefined) entries.push({ name: synonym, value: sensitive ? null : value, source });
    }
  }
  const first = entries.findIndex((entry) => entry.name === name);
  return first === -1 ? [] : entries.slice(first);
}

/** Whether a broker config's value is hidden (PASSWORD type, or a type Kafka cannot tell). */
export function isSensitiveBrokerConfig(name: string): boolean {
  if (BROKER_CONFIGS.has(name)) return BROKER_CONFIGS.get(name)?.type === 'PASSWORD';
  const base = /^listener\.name\.[^.]+\.(.+)$/.exec(name)?.[1] ?? name;
  if (SENSITIVE_KAFKA_BROKER_CONFIG_NAMES.has(base) || /\.sasl\.jaas\.config$/.test(name)) return true;
  // Kafka describes a config of unknown type as sensitive (KafkaConfig.maybeSensitive).
  return !KNOWN_KAFKA_BROKER_CONFIG_NAMES.has(base) && !BROKER_CONFIGS.has(base);
}
