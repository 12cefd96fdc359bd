import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { generateClusterId, isValidClusterId } from '../../../src/config/cluster-id.ts';

describe('cluster ids', () => {
  it('are 22 URL-safe base64 characters of 16 random bytes, never starting with -', () => {
    const ids = new Set<string>();
    for (let count = 0; count < 1000; count += 1) {
      const id = generateClusterId();
      assert.ok(isValidClusterId(id), id);
      assert.equal(Buffer.from(id, 'base64url').length, 16);
      assert.ok(!id.startsWith('-'), id);
      ids.add(id);
    }
    assert.equal(ids.size, 1000);
  });

  it('accept Kafka\'s own ids and refuse malformed ones', () => {
    assert.equal(isValidClusterId('MkU3OEVBNTcwNTJENDM2Qk'), true); // from Kafka's quickstart
    assert.equal(isValidClusterId('MkU3OEVBNTcwNTJENDM2Q'), false, 'too short');
    assert.equal(isValidClusterId('MkU3OEVBNTcwNTJENDM2Q+'), false, 'not URL-safe');
    assert.equal(isValidClusterId('AAAAAAAAAAAAAAAAAAAAAA'), false, 'the zero id');
  });
});
