/**
 * Random but well-encoded requests for every API the broker serves, at every version it
 * advertises: each field of the schema gets a seeded value chosen among edge cases (zero, -1,
 * extremes, empty and over-long strings, nulls where the version allows them, empty and short
 * arrays). They reach the handlers, not just the decoder, so a handler that throws, answers
 * UNKNOWN_SERVER_ERROR or builds a response its version cannot encode shows up.
 *
 * Names are drawn from the attack topic and made-up names, never the good client's topic, and
 * resource names are never a broker id, so no generated request can alter the good client's
 * data or the broker's configuration.
 */
import { HANDLERS_BY_KEY } from '../../../src/handlers/registry.ts';
import { encodeRequest, type MessageSchema } from '../../../src/protocol/index.ts';
import { inVersionRange, type FieldSchema, type StructSchema } from '../../../src/protocol/schema.ts';
import { recordBatch } from '../../helpers/record-batches.ts';
import type { SeededRandom } from './seeded-random.ts';

const INT32_MAX = 0x7fff_ffff;
const INT32_MIN = -0x8000_0000;

export interface RandomRequestTarget {
  readonly topic: string;
  readonly topicId: string;
}

export interface RandomRequest {
  readonly name: string;
  readonly schema: MessageSchema;
  readonly version: number;
  /** The frame, size prefix included. */
  readonly frame: Buffer;
}

function randomName(random: SeededRandom): string {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  let name = '';
  for (let i = random.between(1, 12); i > 0; i--) name += letters[random.below(letters.length)];
  return `fault-${name}`;
}

function randomString(random: SeededRandom, field: FieldSchema, target: RandomRequestTarget): string {
  const roll = random.below(10);
  if (/topic|name/i.test(field.name) && roll < 5) return target.topic;
  if (roll < 6) return '';
  if (roll < 7) return 'x'.repeat(random.pick([249, 250, 255, 1000]));
  if (roll < 8) return random.pick(['.', '..', 'a b', 'ünïcödé', '__consumer_offsets', 'retention.ms', 'cleanup.policy', 'compact', '-1']);
  return randomName(random);
}

function randomUuid(random: SeededRandom, field: FieldSchema, target: RandomRequestTarget): string {
  const roll = random.below(10);
  if (/topic/i.test(field.name) && roll < 5) return target.topicId;
  if (roll < 7) return 'AAAAAAAAAAAAAAAAAAAAAA';
  return random.bytes(16).toString('base64url');
}

function randomPrimitive(random: SeededRandom, type: string, field: FieldSchema, target: RandomRequestTarget): unknown {
  switch (type) {
    case 'bool':
      return random.chance(0.5);
    case 'int8':
      return random.pick([0, 1, -1, 2, 3, 4, 127, -128, random.between(-128, 127)]);
    case 'int16':
      return random.pick([0, 1, -1, 2, 0x7fff, -0x8000, random.between(-0x8000, 0x7fff)]);
    case 'uint16':
      return random.pick([0, 1, 0xffff, random.below(0x10000)]);
    case 'int32':
      return random.pick([0, 0, 1, 2, -1, 3, 100, INT32_MAX, INT32_MIN, random.between(INT32_MIN, INT32_MAX)]);
    case 'uint32':
      return random.pick([0, 1, 0xffff_ffff, random.nextUint32()]);
    case 'int64':
      return random.pick([0n, 1n, -1n, -2n, -3n, BigInt(Date.now()), 0x7fff_ffff_ffff_ffffn, -0x8000_0000_0000_0000n, BigInt(random.nextUint32())]);
    case 'float64':
      return random.pick([0, 1.5, -1, Number.MAX_VALUE, Number.NaN, Number.POSITIVE_INFINITY]);
    case 'string':
      return randomString(random, field, target);
    case 'uuid':
      return randomUuid(random, field, target);
    case 'bytes':
      return random.bytes(random.below(24));
    case 'records':
      return random.chance(0.2) ? null : recordBatch([{ timestamp: Date.now(), value: random.bytes(random.below(32)) }]);
    default:
      throw new Error(`no random value for ${type}`);
  }
}

function randomStruct(random: SeededRandom, struct: StructSchema, version: number, target: RandomRequestTarget, depth: number): Record<string, unknown> {
  const value: Record<string, unknown> = {};
  for (const field of struct.fields) {
    if (!inVersionRange(field.versions, version)) continue;
    if (inVersionRange(field.nullableVersions, version) && random.chance(0.15)) {
      value[field.name] = null;
      continue;
    }
    if (field.type === 'array') {
      const count = depth > 3 ? 0 : random.pick([0, 1, 1, 2, 3]);
      const items: unknown[] = [];
      for (let i = 0; i < count; i++) {
        items.push(field.struct !== undefined ? randomStruct(random, field.struct, version, target, depth + 1) : randomPrimitive(random, field.items!, field, target));
      }
      value[field.name] = items;
    } else if (field.type === 'struct') {
      value[field.name] = randomStruct(random, field.struct!, version, target, depth + 1);
    } else {
      value[field.name] = randomPrimitive(random, field.type, field, target);
    }
  }
  return value;
}

/** A random request of a random served API, at a random advertised version. */
export function randomServedRequest(random: SeededRandom, target: RandomRequestTarget): RandomRequest {
  const handlers = [...HANDLERS_BY_KEY.values()];
  for (;;) {
    const handler = random.pick(handlers);
    const version = random.between(handler.advertised.min, handler.advertised.max);
    const value = randomStruct(random, handler.request, version, target, 0);
    try {
      const frame = encodeRequest(handler.request, version, random.below(INT32_MAX), random.chance(0.9) ? 'fjord-fault' : null, value as never);
      return { name: handler.name, schema: handler.request, version, frame };
    } catch {
      // A value the encoder refuses (e.g. a float the field cannot hold): draw another.
    }
  }
}
