// Loading the broker's configuration: a .properties file with Kafka's broker config names, then
// command-line overrides on top, checked against Kafka 4.1's definitions. Every unknown or
// invalid setting becomes a named problem; the caller refuses to start on any 'error'.
// The typed BrokerConfig is derived from three layers of raw strings (static, dynamic
// cluster default, dynamic per-broker), so a dynamic change is applied by deriving it again.

import { readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';

import { BROKER_CONFIGS, isKnownKafkaBrokerConfigName } from './broker-definitions.ts';
import { parseProperties } from './properties.ts';
import { TOPIC_CONFIG_DEFINITIONS } from './topic-definitions.ts';
import type { BrokerConfigDefinition, ConfigValue } from './types.ts';
import { parseConfig, parseKnownValid } from './values.ts';

/** Largest properties file fjord reads; larger files are refused, not read. */
export const MAX_PROPERTIES_FILE_BYTES = 1024 * 1024;

/**
 * fjord's defaults for a single-node start where they differ from Kafka's: listen and advertise
 * on loopback, keep data under the working directory, be node 1 playing both roles.
 */
export const FJORD_START_DEFAULTS: ReadonlyMap<string, string> = new Map([
  ['node.id', '1'],
  ['process.roles', 'broker,controller'],
  ['listeners', 'PLAINTEXT://127.0.0.1:9092'],
  ['log.dir', './fjord-data'],
]);

/** Security protocols fjord's listeners can speak today. */
export const SUPPORTED_SECURITY_PROTOCOLS: ReadonlySet<string> = new Set(['PLAINTEXT']);

/** The raw layers a broker's effective configuration is derived from, lowest precedence last. */
export interface BrokerConfigLayers {
  /** DYNAMIC_BROKER_CONFIG: set with AlterConfigs for this node id. */
  readonly dynamicBrokerConfigs: ReadonlyMap<string, string>;
  /** DYNAMIC_DEFAULT_BROKER_CONFIG: set with AlterConfigs for the empty broker name. */
  readonly dynamicDefaultConfigs: ReadonlyMap<string, string>;
  /** STATIC_BROKER_CONFIG: the accepted settings of the properties file and flags. */
  readonly staticConfigs: ReadonlyMap<string, string>;
}

export interface Listener {
  name: string;
  host: string;
  port: number;
  securityProtocol: string;
}

export type ConfigProblemOrigin = { kind: 'file'; path: string; line: number } | { kind: 'override' } | { kind: 'combination' };

export interface ConfigProblem {
  /** The setting's name, or the file path for a file that cannot be read or parsed. */
  name: string;
  severity: 'error' | 'warning';
  reason: string;
  origin: ConfigProblemOrigin;
}

/** The broker's effective configuration, typed. Durations in ms; Long.MAX_VALUE reads as ≥ 2^63. */
export interface BrokerConfig {
  nodeId: number;
  processRoles: string[];
  brokerRack: string | null;
  listeners: Listener[];
  advertisedListeners: Listener[];
  listenerSecurityProtocolMap: ReadonlyMap<string, string>;
  interBrokerListenerName: string;
  controllerListenerNames: string[];
  /** Absolute data directories (fjord uses the first, and supports one). */
  logDirs: string[];
  numPartitions: number;
  defaultReplicationFactor: number;
  autoCreateTopicsEnable: boolean;
  deleteTopicEnable: boolean;
  socketRequestMaxBytes: number;
  maxConnections: number;
  maxConnectionsPerIp: number;
  connectionsMaxIdleMs: number;
  queuedMaxRequests: number;
  messageMaxBytes: number;
  logRetentionCheckIntervalMs: number;
  logFlushSchedulerIntervalMs: number;
  logFlushOffsetCheckpointIntervalMs: number;
  logFlushStartOffsetCheckpointIntervalMs: number;
  offsetsTopicNumPartitions: number;
  offsetsTopicReplicationFactor: number;
  offsetsRetentionMinutes: number;
  transactionStateLogNumPartitions: number;
  transactionMaxTimeoutMs: number;
  transactionalIdExpirationMs: number;
  producerIdExpirationMs: number;
  groupInitialRebalanceDelayMs: number;
  groupMinSessionTimeoutMs: number;
  groupMaxSessionTimeoutMs: number;
  groupMaxSize: number;
  groupCoordinatorRebalanceProtocols: string[];
  groupConsumerSessionTimeoutMs: number;
  groupConsumerHeartbeatIntervalMs: number;
  /** The layers this object was derived from; topic config resolution and describe use them. */
  layers: BrokerConfigLayers;
}

export interface LoadBrokerConfigOptions {
  file?: string;
  overrides: Record<string, string>;
  /** Base for relative log directories; defaults to process.cwd(). */
  workingDirectory?: string;
}

export interface LoadBrokerConfigResult {
  config: BrokerConfig;
  problems: ConfigProblem[];
}

const EMPTY: ReadonlyMap<string, string> = new Map();

/** The default (DEFAULT_CONFIG) raw value of a modelled broker config in fjord. */
export function brokerDefaultValue(definition: BrokerConfigDefinition): string | null {
  return FJORD_START_DEFAULTS.get(definition.name) ?? definition.defaultValue;
}

/** The raw value in force for a modelled broker config: dynamic per-broker, dynamic default, static, default. */
export function effectiveBrokerRawValue(name: string, layers: BrokerConfigLayers): string | null {
  const definition = BROKER_CONFIGS.get(name);
  const raw = layers.dynamicBrokerConfigs.get(name) ?? layers.dynamicDefaultConfigs.get(name) ?? layers.staticConfigs.get(name);
  if (raw !== undefined) return raw;
  return definition === undefined ? null : brokerDefaultValue(definition);
}

/** The parsed value in force for a modelled broker config. */
export function effectiveBrokerValue(name: string, layers: BrokerConfigLayers): ConfigValue {
  const definition = BROKER_CONFIGS.get(name);
  if (definition === undefined) throw new Error(`${name} is not a modelled broker config`);
  const parsed = parseConfig(definition, effectiveBrokerRawValue(name, layers));
  // Layers hold validated values only; fall back to the default if one slipped through.
  return parsed.ok ? parsed.value : parseKnownValid(definition, brokerDefaultValue(definition));
}

function numberValue(name: string, layers: BrokerConfigLayers): number {
  const value = effectiveBrokerValue(name, layers);
  return typeof value === 'bigint' ? Number(value) : Number(value);
}

function listValue(name: string, layers: BrokerConfigLayers): string[] {
  const value = effectiveBrokerValue(name, layers);
  return Array.isArray(value) ? [...(value as readonly string[])] : [];
}

function stringValue(name: string, layers: BrokerConfigLayers): string | null {
  const value = effectiveBrokerValue(name, layers);
  return typeof value === 'string' ? value : null;
}

function booleanValue(name: string, layers: BrokerConfigLayers): boolean {
  return effectiveBrokerValue(name, layers) === true;
}

function splitList(text: string): string[] {
  const trimmed = text.trim();
  return trimmed === '' ? [] : trimmed.split(/\s*,\s*/);
}

/** Parses listener.security.protocol.map ("NAME:PROTOCOL,..."); names are upper-cased as Kafka does. */
export function parseSecurityProtocolMap(text: string): { map: Map<string, string>; error?: string } {
  const map = new Map<string, string>();
  for (const entry of splitList(text)) {
    const match = /^([^:]+):([^:]+)$/.exec(entry);
    if (match === null) return { map, error: `Invalid map entry ${entry}: expected NAME:PROTOCOL` };
    const protocol = (match[2] as string).trim().toUpperCase();
    if (!['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'].includes(protocol)) {
      return { map, error: `No enum constant org.apache.kafka.common.security.auth.SecurityProtocol.${protocol}` };
    }
    map.set((match[1] as string).trim().toUpperCase(), protocol);
  }
  return { map };
}

/**
 * Parses a listener list ("NAME://host:port,...") as Kafka does: the host may be empty (all
 * interfaces) or a bracketed IPv6 address; each name must have a security protocol.
 */
export function parseListeners(
  text: string,
  securityProtocols: ReadonlyMap<string, string>,
): { listeners: Listener[]; error?: string } {
  const listeners: Listener[] = [];
  for (const entry of splitList(text)) {
    const match = /^(.*):\/\/\[?([0-9a-zA-Z\-%._:]*)\]?:(-?[0-9]+)$/.exec(entry);
    if (match === null) return { listeners, error: `Unable to parse ${entry} to a broker endpoint` };
    const name = (match[1] as string).toUpperCase();
    const port = Number(match[3]);
    if (!Number.isInteger(port) || port < 0 || port > 65535) return { listeners, error: `Invalid port in ${entry}` };
    const securityProtocol = securityProtocols.get(name);
    if (securityProtocol === undefined) return { listeners, error: `No security protocol defined for listener ${name}` };
    if (listeners.some((listener) => listener.name === name)) {
      return { listeners, error: `Each listener must have a different name, listeners: ${text}` };
    }
    listeners.push({ name, host: match[2] as string, port, securityProtocol });
  }
  return { listeners };
}

interface DerivedListeners {
  securityProtocolMap: Map<string, string>;
  listeners: Listener[];
  advertisedListeners: Listener[];
  interBrokerListenerName: string;
  errors: Array<{ name: string; reason: string }>;
}

function deriveListeners(layers: BrokerConfigLayers): DerivedListeners {
  const errors: Array<{ name: string; reason: string }> = [];
  const mapResult = parseSecurityProtocolMap(stringValue('listener.security.protocol.map', layers) ?? '');
  if (mapResult.error !== undefined) errors.push({ name: 'listener.security.protocol.map', reason: mapResult.error });
  const securityProtocolMap = mapResult.map;
  const listenersResult = parseListeners(stringValue('listeners', layers) ?? '', securityProtocolMap);
  if (listenersResult.error !== undefined) errors.push({ name: 'listeners', reason: listenersResult.error });
  const listeners = listenersResult.listeners;
  const advertisedText = stringValue('advertised.listeners', layers);
  let advertisedListeners: Listener[];
  if (advertisedText === null) {
    // Kafka advertises the listeners themselves, with the machine's host name for an empty host.
    advertisedListeners = listeners.map((listener) => ({ ...listener, host: listener.host === '' ? hostname() : listener.host }));
  } else {
    const advertisedResult = parseListeners(advertisedText, securityProtocolMap);
    if (advertisedResult.error !== undefined) errors.push({ name: 'advertised.listeners', reason: advertisedResult.error });
    advertisedListeners = advertisedResult.listeners;
  }
  for (const listener of advertisedListeners) {
    if (listener.host === '0.0.0.0') {
      errors.push({ name: 'advertised.listeners', reason: 'advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a routable IP address.' });
    }
  }
  for (const listener of listeners) {
    if (!SUPPORTED_SECURITY_PROTOCOLS.has(listener.securityProtocol)) {
      errors.push({ name: 'listeners', reason: `fjord does not support security protocol ${listener.securityProtocol} yet (listener ${listener.name})` });
    }
  }
  const interBrokerText = stringValue('inter.broker.listener.name', layers);
  const interBrokerListenerName = interBrokerText === null
    ? (stringValue('security.inter.broker.protocol', layers) ?? 'PLAINTEXT')
    : interBrokerText.toUpperCase();
  if (interBrokerText !== null && !advertisedListeners.some((listener) => listener.name === interBrokerListenerName)) {
    errors.push({ name: 'inter.broker.listener.name', reason: 'inter.broker.listener.name must be a listener name defined in advertised.listeners.' });
  }
  return { securityProtocolMap, listeners, advertisedListeners, interBrokerListenerName, errors };
}

function deriveLogDirs(layers: BrokerConfigLayers, workingDirectory: string): string[] {
  const logDirs = stringValue('log.dirs', layers) ?? stringValue('log.dir', layers) ?? '';
  return splitList(logDirs).map((directory) => resolve(workingDirectory, directory));
}

/** Derives the typed configuration from its layers (values in layers are already validated). */
export function brokerConfigFromLayers(layers: BrokerConfigLayers, workingDirectory: string = process.cwd()): BrokerConfig {
  const derived = deriveListeners(layers);
  return {
    nodeId: numberValue('node.id', layers),
    processRoles: listValue('process.roles', layers),
    brokerRack: stringValue('broker.rack', layers),
    listeners: derived.listeners,
    advertisedListeners: derived.advertisedListeners,
    listenerSecurityProtocolMap: derived.securityProtocolMap,
    interBrokerListenerName: derived.interBrokerListenerName,
    controllerListenerNames: splitList(stringValue('controller.listener.names', layers) ?? ''),
    logDirs: deriveLogDirs(layers, workingDirectory),
    numPartitions: numberValue('num.partitions', layers),
    defaultReplicationFactor: numberValue('default.replication.factor', layers),
    autoCreateTopicsEnable: booleanValue('auto.create.topics.enable', layers),
    deleteTopicEnable: booleanValue('delete.topic.enable', layers),
    socketRequestMaxBytes: numberValue('socket.request.max.bytes', layers),
    maxConnections: numberValue('max.connections', layers),
    maxConnectionsPerIp: numberValue('max.connections.per.ip', layers),
    connectionsMaxIdleMs: numberValue('connections.max.idle.ms', layers),
    queuedMaxRequests: numberValue('queued.max.requests', layers),
    messageMaxBytes: numberValue('message.max.bytes', layers),
    logRetentionCheckIntervalMs: numberValue('log.retention.check.interval.ms', layers),
    logFlushSchedulerIntervalMs: numberValue('log.flush.scheduler.interval.ms', layers),
    logFlushOffsetCheckpointIntervalMs: numberValue('log.flush.offset.checkpoint.interval.ms', layers),
    logFlushStartOffsetCheckpointIntervalMs: numberValue('log.flush.start.offset.checkpoint.interval.ms', layers),
    offsetsTopicNumPartitions: numberValue('offsets.topic.num.partitions', layers),
    offsetsTopicReplicationFactor: numberValue('offsets.topic.replication.factor', layers),
    offsetsRetentionMinutes: numberValue('offsets.retention.minutes', layers),
    transactionStateLogNumPartitions: numberValue('transaction.state.log.num.partitions', layers),
    transactionMaxTimeoutMs: numberValue('transaction.max.timeout.ms', layers),
    transactionalIdExpirationMs: numberValue('transactional.id.expiration.ms', layers),
    producerIdExpirationMs: numberValue('producer.id.expiration.ms', layers),
    groupInitialRebalanceDelayMs: numberValue('group.initial.rebalance.delay.ms', layers),
    groupMinSessionTimeoutMs: numberValue('group.min.session.timeout.ms', layers),
    groupMaxSessionTimeoutMs: numberValue('group.max.session.timeout.ms', layers),
    groupMaxSize: numberValue('group.max.size', layers),
    groupCoordinatorRebalanceProtocols: listValue('group.coordinator.rebalance.protocols', layers),
    groupConsumerSessionTimeoutMs: numberValue('group.consumer.session.timeout.ms', layers),
    groupConsumerHeartbeatIntervalMs: numberValue('group.consumer.heartbeat.interval.ms', layers),
    layers,
  };
}

/** Topic config names whose broker default has another name, for "did you mean" hints. */
const TOPIC_NAME_HINTS: ReadonlyMap<string, string> = new Map(
  TOPIC_CONFIG_DEFINITIONS.filter((definition) => definition.brokerSynonyms.length > 0 && definition.brokerSynonyms[0] !== definition.name)
    .map((definition) => [definition.name, definition.brokerSynonyms[0] as string]),
);

interface RawSetting {
  value: string;
  origin: ConfigProblemOrigin;
}

function readSettingsFile(path: string, problems: ConfigProblem[]): Map<string, RawSetting> {
  const settings = new Map<string, RawSetting>();
  let text: string;
  try {
    const size = statSync(path).size;
    if (size > MAX_PROPERTIES_FILE_BYTES) {
      problems.push({ name: path, severity: 'error', reason: `file is ${size} bytes; fjord reads at most ${MAX_PROPERTIES_FILE_BYTES}`, origin: { kind: 'file', path, line: 0 } });
      return settings;
    }
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    problems.push({ name: path, severity: 'error', reason: `cannot read the config file: ${reason}`, origin: { kind: 'file', path, line: 0 } });
    return settings;
  }
  const parsed = parseProperties(text);
  for (const error of parsed.errors) {
    problems.push({ name: `${path}:${error.line}`, severity: 'error', reason: error.message, origin: { kind: 'file', path, line: error.line } });
  }
  for (const entry of parsed.entries) settings.set(entry.key, { value: entry.value, origin: { kind: 'file', path, line: entry.line } });
  return settings;
}

/**
 * Reads `file` (if given) and applies `overrides` on top: the flags win. Returns the typed
 * configuration and every problem: 'error' for names Kafka 4.1 does not know, invalid values and
 * settings fjord cannot honour; 'warning' for Kafka settings fjord accepts but does not act on.
 * Settings with errors are left out, so `config` is built from defaults for them.
 */
export function loadBrokerConfig(options: LoadBrokerConfigOptions): LoadBrokerConfigResult {
  const problems: ConfigProblem[] = [];
  const settings = options.file === undefined ? new Map<string, RawSetting>() : readSettingsFile(options.file, problems);
  for (const [name, value] of Object.entries(options.overrides)) settings.set(name, { value, origin: { kind: 'override' } });

  const staticConfigs = new Map<string, string>();
  for (const [name, setting] of settings) {
    const definition = BROKER_CONFIGS.get(name);
    if (definition === undefined) {
      if (isKnownKafkaBrokerConfigName(name)) {
        staticConfigs.set(name, setting.value);
        problems.push({ name, severity: 'warning', reason: 'a Kafka broker config that fjord accepts but does not act on', origin: setting.origin });
      } else {
        const hint = TOPIC_NAME_HINTS.get(name);
        const reason = hint === undefined
          ? 'unknown config: Kafka 4.1 has no broker config with this name'
          : `unknown config: ${name} is a topic config; its broker default is ${hint}`;
        problems.push({ name, severity: 'error', reason, origin: setting.origin });
      }
      continue;
    }
    const parsed = parseConfig(definition, setting.value);
    if (!parsed.ok) {
      problems.push({ name, severity: 'error', reason: parsed.message, origin: setting.origin });
      continue;
    }
    staticConfigs.set(name, setting.value);
    if (!definition.fjordApplies) {
      problems.push({ name, severity: 'warning', reason: 'a Kafka broker config that fjord accepts but does not act on', origin: setting.origin });
    }
  }

  const workingDirectory = options.workingDirectory ?? process.cwd();
  const layers: BrokerConfigLayers = { staticConfigs, dynamicDefaultConfigs: EMPTY, dynamicBrokerConfigs: EMPTY };
  problems.push(...brokerCombinationProblems(layers, workingDirectory));
  // Leave out settings whose combination is wrong, so that the typed object stays usable.
  for (const problem of problems) {
    if (problem.severity === 'error' && problem.origin.kind === 'combination') staticConfigs.delete(problem.name);
  }
  return { config: brokerConfigFromLayers(layers, workingDirectory), problems };
}

/** Settings that are valid alone but not together, or that fjord cannot honour. */
export function brokerCombinationProblems(layers: BrokerConfigLayers, workingDirectory: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (name: string, reason: string): void => {
    problems.push({ name, severity: 'error', reason, origin: { kind: 'combination' } });
  };
  for (const error of deriveListeners(layers).errors) add(error.name, error.reason);
  const nodeId = numberValue('node.id', layers);
  if (nodeId < 0) add('node.id', `node.id must be a non-negative integer, but it is ${nodeId}`);
  const roles = listValue('process.roles', layers);
  if (!roles.includes('broker')) add('process.roles', 'fjord runs as a broker: process.roles must include broker');
  if (new Set(roles).size !== roles.length) add('process.roles', `Duplicate role names found in process.roles: ${roles.join(',')}`);
  const logDirs = deriveLogDirs(layers, workingDirectory);
  if (logDirs.length === 0) add('log.dirs', 'At least one log directory must be defined via log.dirs or log.dir.');
  if (logDirs.length > 1) add('log.dirs', `fjord supports one log directory, but ${logDirs.length} are given`);
  const replicationFactor = numberValue('default.replication.factor', layers);
  if (replicationFactor !== 1) add('default.replication.factor', 'a single fjord node can only host replication factor 1');
  return problems;
}
