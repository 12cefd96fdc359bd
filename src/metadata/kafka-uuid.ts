/**
 * Kafka's Uuid (org.apache.kafka.common.Uuid): 16 random bytes written as 22 characters of
 * URL-safe base64 without padding. Topic ids and the cluster id are Uuids.
 */
import { randomBytes } from 'node:crypto';

export const UUID_BYTES = 16;
/** The zero Uuid means "no id" on the wire. */
export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';
/** Kafka reserves 0x...01 for the metadata topic (Uuid.METADATA_TOPIC_ID). */
export const METADATA_TOPIC_UUID = 'AAAAAAAAAAAAAAAAAAAAAQ';

export function uuidToString(bytes: Uint8Array): string {
  if (bytes.length !== UUID_BYTES) throw new RangeError(`a Uuid has ${UUID_BYTES} bytes, not ${bytes.length}`);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/** The 16 bytes of a 22-character Uuid string, or undefined when it is not one. */
export function uuidFromString(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]{22}$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  // The last character carries 2 spare bits; a canonical string has them zero.
  if (bytes.length !== UUID_BYTES || bytes.toString('base64url') !== text) return undefined;
  return bytes;
}

/**
 * A random version-4 Uuid as Kafka's Uuid.randomUuid makes it: never the zero or the metadata
 * topic id, and never one whose string starts with '-' (which command lines would read as a flag).
 */
export function randomUuid(): string {
  for (;;) {
    const bytes = randomBytes(UUID_BYTES);
    bytes[6] = (bytes[6]! & 0x0f) | 0x40;
    bytes[8] = (bytes[8]! & 0x3f) | 0x80;
    const text = uuidToString(bytes);
    if (text !== ZERO_UUID && text !== METADATA_TOPIC_UUID && !text.startsWith('-')) return text;
  }
}
