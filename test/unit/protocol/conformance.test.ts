// Compares every schema fjord declares with Apache Kafka's JSON message definitions in
// ../shared/kafka-spec (relative to the repository root), when that folder exists.
//
// The comparison is per version, over every version a schema declares: for version v the
// reference is the 4.3 JSON when its validVersions include v, else the trunk-2024-10 JSON (this is
// how Produce v0-2, which Kafka 4.x still advertises but no longer declares, are checked).
// At each version: flexible or not, then recursively for every struct: the fields present (names in
// order), their types, nullability, whether tagged and with which tag, and declared defaults.
// Every version of the 4.3 range must also be declared (no silent gaps).

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { API_DEFINITIONS } from '../../../src/protocol/apis.ts';
import { inVersionRange, parseVersionRange, type FieldSchema, type MessageSchema } from '../../../src/protocol/schema.ts';

const repositoryRoot = join(import.meta.dirname, '..', '..', '..');
const specRoot = join(repositoryRoot, '..', 'shared', 'kafka-spec');
const folders = ['kafka-4.3-client-apis', 'apache-kafka-trunk-2024-10'];

interface JsonField {
  name: string;
  type: string;
  versions: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number;
  default?: string | number | boolean;
  fields?: JsonField[];
}

interface JsonMessage {
  name: string;
  apiKey: number;
  validVersions: string;
  flexibleVersions: string;
  fields: JsonField[];
  commonStructs?: Array<{ name: string; fields: JsonField[] }>;
}

function loadJson(folder: string, name: string): JsonMessage | undefined {
  const path = join(specRoot, folder, `${name}.json`);
  if (!existsSync(path)) return undefined;
  // Kafka's files carry whole-line // comments; strings may contain '//' (URLs), so only whole lines go.
  const text = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('//'))
    .join('\n');
  return JSON.parse(text) as JsonMessage;
}

function camel(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

function ourType(field: FieldSchema): string {
  if (field.type === 'array') return field.struct !== undefined ? `[]${field.struct.name}` : `[]${field.items}`;
  if (field.type === 'struct') return field.struct!.name;
  return field.type;
}

function jsonDefault(field: JsonField): unknown {
  if (field.default === undefined) return undefined;
  const text = String(field.default);
  if (text === 'null') return null;
  if (field.type === 'int64') return BigInt(text);
  if (['int8', 'int16', 'int32', 'uint16', 'uint32', 'float64'].includes(field.type)) return Number(text);
  if (field.type === 'bool') return text === 'true';
  return text;
}

function compareFields(
  ours: readonly FieldSchema[],
  theirs: readonly JsonField[],
  message: JsonMessage,
  version: number,
  flexible: boolean,
  path: string,
): void {
  const oursPresent = ours.filter((field) => inVersionRange(field.versions, version));
  const theirsPresent = theirs.filter((field) => inVersionRange(field.versions, version));
  assert.deepEqual(
    oursPresent.map((field) => field.name),
    theirsPresent.map((field) => camel(field.name)),
    `${path} v${version}: fields present`,
  );
  for (let index = 0; index < oursPresent.length; index++) {
    const our = oursPresent[index]!;
    const their = theirsPresent[index]!;
    const where = `${path}.${our.name} v${version}`;
    assert.equal(ourType(our), their.type, `${where}: type`);
    assert.equal(
      inVersionRange(our.nullableVersions, version),
      inVersionRange(their.nullableVersions, version),
      `${where}: nullable`,
    );
    const ourTagged = flexible && inVersionRange(our.taggedVersions, version);
    const theirTagged = flexible && inVersionRange(their.taggedVersions, version);
    assert.equal(ourTagged, theirTagged, `${where}: tagged`);
    if (ourTagged) assert.equal(our.tag, their.tag, `${where}: tag`);
    assert.deepEqual(our.default, jsonDefault(their), `${where}: default`);
    if (our.struct !== undefined) {
      let theirFields = their.fields;
      if (theirFields === undefined) {
        const structName = their.type.replace(/^\[\]/, '');
        theirFields = message.commonStructs?.find((common) => common.name === structName)?.fields;
      }
      assert.ok(theirFields !== undefined, `${where}: struct ${their.type} not found in the JSON`);
      compareFields(our.struct.fields, theirFields, message, version, flexible, `${path}.${our.name}`);
    }
  }
}

function checkSchema(schema: MessageSchema): void {
  const newest = loadJson(folders[0]!, schema.name);
  const older = loadJson(folders[1]!, schema.name);
  const reference = newest ?? older;
  assert.ok(reference !== undefined, `${schema.name}: no JSON definition found`);
  assert.equal(schema.apiKey, reference.apiKey, `${schema.name}: apiKey`);

  const ours = parseVersionRange(schema.validVersions);
  const theirs = parseVersionRange(reference.validVersions);
  for (let version = theirs.min; version <= theirs.max; version++) {
    assert.ok(version >= ours.min && version <= ours.max, `${schema.name}: version ${version} of the JSON is not declared`);
  }
  for (let version = ours.min; version <= ours.max; version++) {
    const message = [newest, older].find(
      (candidate) => candidate !== undefined && inVersionRange(candidate.validVersions, version),
    );
    assert.ok(message !== undefined, `${schema.name}: version ${version} is in no JSON definition`);
    const flexible = inVersionRange(schema.flexibleVersions, version);
    assert.equal(flexible, inVersionRange(message.flexibleVersions, version), `${schema.name} v${version}: flexible`);
    compareFields(schema.fields, message.fields, message, version, flexible, schema.name);
  }
}

if (!existsSync(specRoot)) {
  test('schemas conform to Kafka JSON definitions', (context) => {
    context.skip(`skipped: ${specRoot} does not exist (Kafka's JSON definitions are needed to compare)`);
  });
} else {
  describe('schemas conform to Kafka JSON definitions', () => {
    for (const api of API_DEFINITIONS) {
      for (const schema of [api.request, api.response]) {
        test(`${schema.name} (key ${api.apiKey}, versions ${schema.validVersions})`, () => checkSchema(schema));
      }
    }

    test('the comparison can fail: a wrong type is reported', () => {
      const api = API_DEFINITIONS.find((candidate) => candidate.apiKey === 18)!;
      const broken: MessageSchema = {
        ...api.response,
        fields: api.response.fields.map((field) => (field.name === 'errorCode' ? { ...field, type: 'int32' } : field)),
      };
      assert.throws(() => checkSchema(broken), /errorCode v0: type/);
    });
  });
}
