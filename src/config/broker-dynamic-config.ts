// The broker side of DescribeConfigs, AlterConfigs and IncrementalAlterConfigs: describing this
// node's configs or the cluster-wide dynamic defaults, and validating dynamic changes with
// Kafka's rules (DynamicBrokerConfig.validateConfigs, ConfigAdminManager): only dynamic configs
// may change, per-broker ones only for a named broker, values must parse. Errors are values.

import { ErrorCode } from '../protocol/error-codes.ts';
import {
  BROKER_CONFIG_DEFINITIONS,
  BROKER_CONFIGS,
  brokerConfigSynonyms,
  KNOWN_KAFKA_BROKER_CONFIG_NAMES,
} from './broker-definitions.ts';
import { brokerCombinationProblems, effectiveBrokerValue, type BrokerConfigLayers } from './broker-config.ts';
import { brokerSynonymEntries, configTypeCode, isSensitiveBrokerConfig } from './describe.ts';
import { applyAlterOperations, type AlterConfigOperationInput } from './alter-operations.ts';
import type { ConfigEntryInput } from './topic-config.ts';
import { AlterConfigOperation, type ConfigError, ConfigSource, type DescribeConfigsEntry, type DynamicUpdateMode } from './types.ts';
import { formatValue, parseConfig } from './values.ts';

/** Kafka configs fjord does not model that Kafka still lets change dynamically (cluster-wide). */
const UNMODELLED_DYNAMIC_CONFIGS: ReadonlySet<string> = new Set([
  'leader.replication.throttled.rate', 'follower.replication.throttled.rate', 'replica.alter.log.dirs.io.max.bytes.per.second',
  'remote.log.index.file.cache.total.size.bytes', 'remote.fetch.max.wait.ms', 'remote.log.manager.copy.max.bytes.per.second',
  'remote.log.manager.fetch.max.bytes.per.second', 'remote.list.offsets.request.timeout.ms',
]);

/** How Kafka lets `name` change at runtime; unknown (custom) names are free-form, as in Kafka. */
export function dynamicUpdateMode(name: string): DynamicUpdateMode | 'custom' {
  const definition = BROKER_CONFIGS.get(name);
  if (definition !== undefined) return definition.dynamicUpdateMode;
  if (/^listener\.name\.[^.]+\..+/.test(name)) {
    const base = name.replace(/^listener\.name\.[^.]+\./, '');
    return base === 'max.connections' || base === 'max.connection.creation.rate' || base === 'num.network.threads'
      ? 'cluster-wide'
      : 'per-broker';
  }
  if (UNMODELLED_DYNAMIC_CONFIGS.has(name)) return 'cluster-wide';
  if (KNOWN_KAFKA_BROKER_CONFIG_NAMES.has(name)) return /^(ssl|sasl)\./.test(name) ? 'per-broker' : 'read-only';
  return 'custom';
}

/** Whether fjord applies a dynamic change of `name` without a restart. */
export function appliesDynamically(name: string): boolean {
  return BROKER_CONFIGS.get(name)?.fjordAppliesDynamically ?? false;
}

type BrokerResource = { kind: 'default' } | { kind: 'node' } | { kind: 'error'; error: ConfigError };

function invalidRequest(errorMessage: string): ConfigError {
  return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage };
}

function brokerResource(resourceName: string, nodeId: number, forDescribe: boolean): BrokerResource {
  if (resourceName === '') return { kind: 'default' };
  if (!/^[+-]?[0-9]+$/.test(resourceName) || !Number.isSafeInteger(Number(resourceName))) {
    const message = forDescribe ? `Broker id must be an integer, but it is: ${resourceName}` : `Node id must be an integer, but it is: ${resourceName}`;
    return { kind: 'error', error: invalidRequest(message) };
  }
  if (Number(resourceName) !== nodeId) {
    const message = forDescribe
      ? `Unexpected broker id, expected ${nodeId} or empty string, but received ${resourceName}`
      : `Unexpected broker id, expected ${nodeId}, but received ${resourceName}`;
    return { kind: 'error', error: invalidRequest(message) };
  }
  return { kind: 'node' };
}

export interface DescribeBrokerConfigsOptions {
  /** The resource name: this node's id, or '' for the cluster-wide dynamic defaults. */
  resourceName: string;
  nodeId: number;
  layers: BrokerConfigLayers;
  configNames?: readonly string[] | null;
  includeSynonyms: boolean;
  includeDocumentation: boolean;
}

export interface DescribeBrokerConfigsResult {
  errorCode: number;
  errorMessage: string | null;
  configs: DescribeConfigsEntry[];
}

function brokerEntry(name: string, value: string | null, layers: BrokerConfigLayers, perBroker: boolean, options: DescribeBrokerConfigsOptions): DescribeConfigsEntry {
  const definition = BROKER_CONFIGS.get(name);
  const sensitive = isSensitiveBrokerConfig(name);
  const all = brokerSynonymEntries(name, layers, sensitive).filter(
    (synonym) => perBroker || synonym.source === ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG,
  );
  const mode = dynamicUpdateMode(name);
  return {
    name,
    value: sensitive ? null : value,
    readOnly: mode === 'read-only' || mode === 'custom',
    configSource: all[0]?.source ?? ConfigSource.DEFAULT_CONFIG,
    isSensitive: sensitive,
    synonyms: options.includeSynonyms ? all : [],
    configType: configTypeCode(definition?.type),
    documentation: options.includeDocumentation ? (definition?.documentation ?? null) : null,
  };
}

/** DescribeConfigs for a BROKER resource (ConfigHelper.createBrokerConfigEntry). */
export function describeBrokerConfigs(options: DescribeBrokerConfigsOptions): DescribeBrokerConfigsResult {
  const resource = brokerResource(options.resourceName, options.nodeId, true);
  if (resource.kind === 'error') return { errorCode: resource.error.errorCode, errorMessage: resource.error.errorMessage, configs: [] };
  const { layers } = options;
  const wanted = options.configNames === null || options.configNames === undefined || options.configNames.length === 0
    ? null
    : new Set(options.configNames);
  const configs: DescribeConfigsEntry[] = [];
  if (resource.kind === 'default') {
    for (const [name, raw] of layers.dynamicDefaultConfigs) {
      if (wanted === null || wanted.has(name)) configs.push(brokerEntry(name, raw, layers, false, options));
    }
  } else {
    for (const definition of BROKER_CONFIG_DEFINITIONS) {
      if (wanted !== null && !wanted.has(definition.name)) continue;
      const value = formatValue(definition.type, effectiveBrokerValue(definition.name, layers));
      configs.push(brokerEntry(definition.name, value, layers, true, options));
    }
    // Settings Kafka knows but fjord does not model are described as they were given.
    const unmodelled = new Map([...layers.staticConfigs, ...layers.dynamicDefaultConfigs, ...layers.dynamicBrokerConfigs]);
    for (const [name, raw] of unmodelled) {
      if (BROKER_CONFIGS.has(name) || (wanted !== null && !wanted.has(name))) continue;
      configs.push(brokerEntry(name, raw, layers, true, options));
    }
  }
  return { errorCode: ErrorCode.NONE, errorMessage: null, configs };
}

export interface BrokerConfigChange {
  error: ConfigError | null;
  /** The resource's dynamic configs after the change (unchanged input when there is an error). */
  configs: Map<string, string>;
  /** Changed names that fjord applies only after a restart, for the handler to log. */
  notAppliedUntilRestart: string[];
}

/** Scala's Set.toString, which Kafka's messages embed. */
function scalaSet(names: readonly string[]): string {
  return `${names.length > 4 ? 'HashSet' : 'Set'}(${names.join(', ')})`;
}

/** DynamicBrokerConfig.validateConfigs plus the checks fjord needs on the result. */
function validateDynamicBrokerConfigs(configs: ReadonlyMap<string, string>, perBroker: boolean, nodeLayers: BrokerConfigLayers): ConfigError | null {
  const names = [...configs.keys()];
  const nonDynamic = names.filter((name) => dynamicUpdateMode(name) === 'read-only');
  if (nonDynamic.length > 0) return invalidRequest(`Cannot update these configs dynamically: ${scalaSet(nonDynamic)}`);
  const securityWithoutPrefix = names.filter((name) => /^(ssl|sasl)\./.test(name) && !BROKER_CONFIGS.has(name));
  if (securityWithoutPrefix.length > 0) {
    return invalidRequest(`These security configs can be dynamically updated only per-listener using the listener prefix: ${scalaSet(securityWithoutPrefix)}`);
  }
  for (const [name, raw] of configs) {
    const base = name.replace(/^listener\.name\.[^.]+\./, '');
    const definition = BROKER_CONFIGS.get(base);
    if (definition === undefined) continue;
    const parsed = parseConfig(definition, raw);
    if (!parsed.ok) return invalidRequest(parsed.message);
  }
  if (!perBroker) {
    const perBrokerOnly = names.filter((name) => dynamicUpdateMode(name) === 'per-broker');
    if (perBrokerOnly.length > 0) {
      return invalidRequest(`Cannot update these configs at default cluster level, broker id must be specified: ${scalaSet(perBrokerOnly)}`);
    }
  }
  // The resulting configuration must still hold together (listeners and the like).
  const problem = brokerCombinationProblems(nodeLayers, process.cwd())[0];
  return problem === undefined ? null : invalidRequest(problem.reason);
}

interface AlterBrokerInput {
  resourceName: string;
  nodeId: number;
  layers: BrokerConfigLayers;
}

function changed(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): string[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  return [...names].filter((name) => before.get(name) !== after.get(name) && !appliesDynamically(name));
}

function finish(input: AlterBrokerInput, perBroker: boolean, current: ReadonlyMap<string, string>, configs: Map<string, string>): BrokerConfigChange {
  const nodeLayers: BrokerConfigLayers = perBroker
    ? { ...input.layers, dynamicBrokerConfigs: configs }
    : { ...input.layers, dynamicDefaultConfigs: configs };
  const error = validateDynamicBrokerConfigs(configs, perBroker, nodeLayers);
  if (error !== null) return { error, configs: new Map(current), notAppliedUntilRestart: [] };
  return { error: null, configs, notAppliedUntilRestart: changed(current, configs) };
}

function currentOf(input: AlterBrokerInput, perBroker: boolean): ReadonlyMap<string, string> {
  return perBroker ? input.layers.dynamicBrokerConfigs : input.layers.dynamicDefaultConfigs;
}

/** AlterConfigs (legacy) for a BROKER resource: the given configs replace the resource's dynamic configs. */
export function alterBrokerConfigs(input: AlterBrokerInput & { entries: readonly ConfigEntryInput[] }): BrokerConfigChange {
  const resource = brokerResource(input.resourceName, input.nodeId, false);
  const perBroker = resource.kind === 'node';
  const current = currentOf(input, perBroker);
  const fail = (error: ConfigError): BrokerConfigChange => ({ error, configs: new Map(current), notAppliedUntilRestart: [] });
  if (resource.kind === 'error') return fail(resource.error);
  const names = input.entries.map((entry) => entry.name);
  if (new Set(names).size !== names.length) return fail(invalidRequest('Error due to duplicate config keys'));
  const nulls = input.entries.filter((entry) => entry.value === null).map((entry) => entry.name);
  if (nulls.length > 0) return fail(invalidRequest(`Null value not supported for : ${nulls.join(', ')}`));
  const configs = new Map<string, string>();
  for (const entry of input.entries) configs.set(entry.name, entry.value as string);
  return finish(input, perBroker, current, configs);
}

/** IncrementalAlterConfigs for a BROKER resource (ConfigAdminManager.prepareIncrementalConfigs). */
export function incrementalAlterBrokerConfigs(input: AlterBrokerInput & { operations: readonly AlterConfigOperationInput[] }): BrokerConfigChange {
  const resource = brokerResource(input.resourceName, input.nodeId, false);
  const perBroker = resource.kind === 'node';
  const current = currentOf(input, perBroker);
  const fail = (error: ConfigError): BrokerConfigChange => ({ error, configs: new Map(current), notAppliedUntilRestart: [] });
  if (resource.kind === 'error') return fail(resource.error);
  const applied = applyAlterOperations(current, input.operations, (configs, operation) => {
    const { name, value } = operation;
    const definition = BROKER_CONFIGS.get(name);
    const append = operation.configOperation === AlterConfigOperation.APPEND;
    if (definition === undefined) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `Unknown config name: ${name}` };
    if (definition.type !== 'LIST') {
      const verb = append ? 'append' : 'subtract';
      return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `Config value ${verb} is not allowed for config key: ${name}` };
    }
    const old = (configs.get(name) ?? definition.defaultValue ?? '').split(',').filter((part) => part !== '');
    const given = value.split(',');
    const next = append ? [...old, ...given.filter((part) => !old.includes(part))] : old.filter((part) => !given.includes(part));
    configs.set(name, next.join(','));
    return null;
  });
  if (applied.error !== null) return fail(applied.error);
  const configs = applied.configs;
  return finish(input, perBroker, current, configs);
}

/** The brokerConfigSynonyms helper, re-exported for handlers that print synonyms. */
export { brokerConfigSynonyms };
