/**
 * One in-process broker per test file: a temp data directory, a listener on a free port
 * (PLAINTEXT://127.0.0.1:0), and test clients connected to it. `restart()` stops the broker and
 * starts a new one on the same data directory; `stop()` closes the clients, stops the broker and
 * removes the directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Broker } from '../../../src/broker/broker.ts';
import { loadBrokerConfig, type BrokerConfig } from '../../../src/config/index.ts';
import { KafkaTestClient } from '../../helpers/kafka-client.ts';

export interface BrokerFixture {
  readonly broker: Broker;
  readonly port: number;
  readonly dataDir: string;
  /** A new connection (closed by stop() and restart()). */
  connect(clientId?: string | null): Promise<KafkaTestClient>;
  /** Stops the broker cleanly and starts a new one on the same data directory and config. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function startOn(config: BrokerConfig): Promise<{ broker: Broker; port: number }> {
  const broker = await Broker.start(config, () => {});
  const listener = broker.listeners[0];
  if (listener === undefined) throw new Error('no listener');
  return { broker, port: listener.port };
}

export async function startBroker(overrides: Record<string, string> = {}): Promise<BrokerFixture> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fjord-handlers-'));
  const { config, problems } = loadBrokerConfig({ overrides: { listeners: 'PLAINTEXT://127.0.0.1:0', 'log.dirs': dataDir, ...overrides } });
  const errors = problems.filter((problem) => problem.severity === 'error');
  if (errors.length > 0) throw new Error(`invalid test config: ${errors.map((e) => `${e.name}: ${e.reason}`).join('; ')}`);
  let running = await startOn(config);
  const clients: KafkaTestClient[] = [];
  const closeClients = () => Promise.all(clients.splice(0).map((client) => client.close()));
  return {
    get broker() {
      return running.broker;
    },
    get port() {
      return running.port;
    },
    dataDir,
    async connect(clientId?: string | null) {
      const client = await KafkaTestClient.connect(running.port, clientId === undefined ? {} : { clientId });
      clients.push(client);
      return client;
    },
    async restart() {
      await closeClients();
      await running.broker.stop(1_000);
      running = await startOn(config);
    },
    async stop() {
      await closeClients();
      await running.broker.stop(1_000);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
