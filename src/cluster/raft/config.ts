// Cluster configurations: how a change is validated and applied, and how a config entry is encoded.
//
// A config entry holds the whole resulting configuration, not a delta, so applying one is a
// replacement and replaying it twice is harmless. Encoding (big-endian):
//   u16 voterCount, u16 observerCount, u32 nodeId × voterCount, u32 nodeId × observerCount

import type { ClusterConfig, ConfigChange, NodeId } from './types.ts';
import { nodeId } from './types.ts';

/** A bound on the size of a configuration; far above any sensible controller quorum. */
export const CONFIG_MEMBERS_MAX = 255;

export const EMPTY_CONFIG: ClusterConfig = { voters: [], observers: [] };

export function makeConfig(voters: readonly NodeId[], observers: readonly NodeId[] = []): ClusterConfig {
  const sortedVoters = [...new Set(voters)].sort((a, b) => a - b);
  const sortedObservers = [...new Set(observers)].filter((id) => !sortedVoters.includes(id)).sort((a, b) => a - b);
  if (sortedVoters.length + sortedObservers.length > CONFIG_MEMBERS_MAX) {
    throw new RangeError(`configuration exceeds ${CONFIG_MEMBERS_MAX} members`);
  }
  return { voters: sortedVoters, observers: sortedObservers };
}

export function isVoter(config: ClusterConfig, id: NodeId): boolean {
  return config.voters.includes(id);
}

export function isMember(config: ClusterConfig, id: NodeId): boolean {
  return config.voters.includes(id) || config.observers.includes(id);
}

export function members(config: ClusterConfig): NodeId[] {
  return [...config.voters, ...config.observers];
}

export function quorumSize(config: ClusterConfig): number {
  return Math.floor(config.voters.length / 2) + 1;
}

export function configsEqual(a: ClusterConfig, b: ClusterConfig): boolean {
  return (
    a.voters.length === b.voters.length &&
    a.observers.length === b.observers.length &&
    a.voters.every((id, i) => b.voters[i] === id) &&
    a.observers.every((id, i) => b.observers[i] === id)
  );
}

/** Applies one change; returns null when it is not a valid single-voter step from `config`. */
export function applyConfigChange(config: ClusterConfig, change: ConfigChange): ClusterConfig | null {
  const { node } = change;
  switch (change.type) {
    case 'add-voter':
      if (isVoter(config, node)) return null;
      return makeConfig([...config.voters, node], config.observers.filter((id) => id !== node));
    case 'add-observer':
      if (isMember(config, node)) return null;
      return makeConfig(config.voters, [...config.observers, node]);
    case 'promote-observer':
      if (!config.observers.includes(node)) return null;
      return makeConfig([...config.voters, node], config.observers.filter((id) => id !== node));
    case 'remove':
      if (!isMember(config, node)) return null;
      if (isVoter(config, node) && config.voters.length === 1) return null;
      return makeConfig(
        config.voters.filter((id) => id !== node),
        config.observers.filter((id) => id !== node),
      );
  }
}

export function encodeConfig(config: ClusterConfig): Uint8Array {
  const bytes = new Uint8Array(4 + 4 * (config.voters.length + config.observers.length));
  const view = new DataView(bytes.buffer);
  view.setUint16(0, config.voters.length);
  view.setUint16(2, config.observers.length);
  let offset = 4;
  for (const id of [...config.voters, ...config.observers]) {
    view.setUint32(offset, id);
    offset += 4;
  }
  return bytes;
}

export function decodeConfig(bytes: Uint8Array): ClusterConfig {
  if (bytes.byteLength < 4) throw new RangeError('config entry shorter than its header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const voterCount = view.getUint16(0);
  const observerCount = view.getUint16(2);
  if (bytes.byteLength !== 4 + 4 * (voterCount + observerCount)) {
    throw new RangeError('config entry length does not match its member counts');
  }
  const ids: NodeId[] = [];
  for (let i = 0; i < voterCount + observerCount; i++) ids.push(nodeId(view.getUint32(4 + 4 * i)));
  return makeConfig(ids.slice(0, voterCount), ids.slice(voterCount));
}
