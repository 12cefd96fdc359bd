/**
 * One in-process broker per test file: a temp data directory, a listener on a free port
 * (PLAINTEXT://127.0.0.1:0), and test clients connected to it. `stop()` closes the clients,
 * stops the broker and removes the directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Broker } from '../../../src/broker/broker.ts';
import { loadBrokerConfig } from '../../../src/config/index.ts';
import { KafkaTestClient } from '../../helpers/kafka-client.ts';

export interface BrokerFixture {
  readonly broker: Broker;
  readonly port: number;
  readonly dataDir: string;
  /** A new connection (closed by stop()). */
  connect(clientId?: string | null): Promise<KafkaTestClient>;
  stop(): Promise<void>;
}

export async function startBroker(overrides: Record<string, string> = {}): Promise<BrokerFixture> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fjord-handlers-'));
  const { config, problems } = loadBrokerConfig({ overrides: { listeners: 'PLAINTEXT://127.0.0.1:0', 'log.dirs': dataDir, ...overrides } });
  const errors = problems.filter((problem) => problem.severity === 'error');
  if (errors.length > 0) throw new Error(`invalid test config: ${errors.map((e) => `${e.name}: ${e.reason}`).join('; ')}`);
  const broker = await Broker.start(config, () => {});
  const listener = broker.listeners[0];
  if (listener === undefined) throw new Error('no listener');
  const clients: KafkaTestClient[] = [];
  return {
    broker,
    port: listener.port,
    dataDir,
    async connect(clientId?: string | null) {
      const client = await KafkaTestClient.connect(listener.port, clientId === undefined ? {} : { clientId });
      clients.push(client);
      return client;
    },
    async stop() {
      await Promise.all(clients.map((client) => client.close()));
      await broker.stop(1_000);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
