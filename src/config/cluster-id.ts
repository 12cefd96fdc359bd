// Cluster ids as Kafka makes them (Uuid.randomUuid().toString(), as kafka-storage random-uuid
// prints): 16 random bytes in URL-safe base64 without padding, 22 characters, never starting with
// '-' (which command lines would take for an option) and never the all-zero id.

import { randomBytes } from 'node:crypto';

// Java's URL decoder ignores the unused low bits of the last character, so any last character passes.
const CLUSTER_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;
const ZERO_ID = 'AAAAAAAAAAAAAAAAAAAAAA';

/** A new random cluster id in Kafka's format. */
export function generateClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-') && id !== ZERO_ID) return id;
  }
}

/** Whether `id` is a cluster id in Kafka's format (base64url of 16 bytes). */
export function isValidClusterId(id: string): boolean {
  return CLUSTER_ID_PATTERN.test(id) && id !== ZERO_ID;
}
