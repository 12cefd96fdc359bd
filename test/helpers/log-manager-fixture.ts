/**
 * Real log managers over temporary directories for the log tests: each test's managers are
 * closed and its directories removed after it (node:test's afterEach, registered by the fixture).
 * Timers are set far out so that tests drive maintenance themselves.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'node:test';

import { LogManager, type LogManagerOptions } from '../../src/log/log-manager.ts';
import { randomUuid } from '../../src/metadata/kafka-uuid.ts';
import type { TopicRecord } from '../../src/metadata/metadata-store.ts';
import type { LogSettings } from '../../src/native/index.ts';

/** A one-partition, non-internal topic with a fresh id. */
export function topicRecord(name: string): TopicRecord {
  return { name, topicId: randomUuid(), partitionCount: 1, configs: {}, internal: false };
}

export interface LogManagerFixture {
  temporaryDirectory(): Promise<string>;
  openManager(dir: string, topic: TopicRecord, settings?: LogSettings, extra?: Partial<LogManagerOptions>): Promise<LogManager>;
  /** Closes a manager before the test ends (to reopen its directory). */
  closeManager(manager: LogManager): Promise<void>;
}

/** Call at module level: registers the cleanup for every test of the file. */
export function logManagerFixture(directoryPrefix: string): LogManagerFixture {
  const directories: string[] = [];
  const managers: LogManager[] = [];
  afterEach(async () => {
    for (const manager of managers.splice(0)) await manager.close();
    for (const dir of directories.splice(0)) await rm(dir, { recursive: true, force: true });
  });
  return {
    async temporaryDirectory() {
      const dir = await mkdtemp(join(tmpdir(), directoryPrefix));
      directories.push(dir);
      return dir;
    },
    async openManager(dir, topic, settings = {}, extra = {}) {
      const manager = await LogManager.open({
        logDirs: [dir],
        topics: [topic],
        settingsFor: () => settings,
        retentionCheckIntervalMs: 300_000,
        flushCheckIntervalMs: 300_000,
        checkpointIntervalMs: 300_000,
        ...extra,
      });
      managers.push(manager);
      return manager;
    },
    async closeManager(manager) {
      const index = managers.indexOf(manager);
      if (index >= 0) managers.splice(index, 1);
      await manager.close();
    },
  };
}
