/**
 * What request handlers can reach: the broker's parts, as one object built by the broker at
 * start-up. Handlers depend on this interface, not on how the broker wires itself.
 */
import type { BrokerConfig } from '../config/index.ts';
import type { GroupService } from '../coordinator/group/group-service.ts';
import type { TxnService } from '../coordinator/txn/txn-service.ts';
import type { LogManager } from '../log/log-manager.ts';
import type { MetadataStore } from '../metadata/metadata-store.ts';
import type { TopicAdmin } from './topic-admin.ts';

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

export interface BrokerServices {
  readonly config: BrokerConfig;
  readonly metadata: MetadataStore;
  readonly logs: LogManager;
  readonly topics: TopicAdmin;
  /** The group coordinator and `__consumer_offsets`. */
  readonly groups: GroupService;
  /** The transaction coordinator, `__transaction_state` and producer id allocation. */
  readonly txns: TxnService;
  /** This node's advertised endpoint for a listener (the one a request arrived on). */
  endpointFor(listenerName: string): Endpoint;
  now(): number;
}
