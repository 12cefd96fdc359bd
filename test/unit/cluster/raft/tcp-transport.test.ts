import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, describe, it } from 'node:test';

import { TcpTransport } from '../../../../src/cluster/raft/tcp-transport.ts';
import type { Message } from '../../../../src/cluster/raft/types.ts';
import { logIndex, nodeId, term } from '../../../../src/cluster/raft/types.ts';

function waitFor(predicate: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const poll = (): void => {
      if (predicate()) resolve();
      else if (Date.now() > deadline) reject(new Error('timed out waiting'));
      else setTimeout(poll, 5);
    };
    poll();
  });
}

describe('TcpTransport', () => {
  const transports: TcpTransport[] = [];
  after(async () => {
    await Promise.all(transports.map((transport) => transport.close()));
  });

  it('delivers framed messages between two nodes in both directions, in order', async () => {
    const receivedBy1: Message[] = [];
    const receivedBy2: Message[] = [];
    const one = new TcpTransport({ id: nodeId(1), onMessage: (message) => receivedBy1.push(message) });
    const two = new TcpTransport({ id: nodeId(2), onMessage: (message) => receivedBy2.push(message) });
    transports.push(one, two);
    const address1 = await one.listen(0);
    const address2 = await two.listen(0);
    one.setPeer(nodeId(2), address2);
    two.setPeer(nodeId(1), address1);
    const big = new Uint8Array(200_000).fill(7);
    await waitFor(() => {
      one.send({ type: 'heartbeat', from: nodeId(1), to: nodeId(2), term: term(1), commit: logIndex(0), readRound: 0 });
      return receivedBy2.length > 0;
    });
    for (let i = 1; i <= 50; i++) {
      one.send({
        type: 'append',
        from: nodeId(1),
        to: nodeId(2),
        term: term(1),
        prevIndex: logIndex(i - 1),
        prevTerm: term(1),
        commit: logIndex(0),
        entries: [{ term: term(1), index: logIndex(i), kind: 'normal', data: i === 25 ? big : new Uint8Array([i]) }],
      });
    }
    const appends = (): Message[] => receivedBy2.filter((message) => message.type === 'append');
    await waitFor(() => appends().length === 50);
    assert.deepEqual(
      appends().map((message) => (message.type === 'append' ? message.prevIndex : -1)),
      Array.from({ length: 50 }, (_, i) => i),
    );
    const withBig = appends()[24];
    assert.ok(withBig?.type === 'append' && withBig.entries[0]?.data.byteLength === 200_000);
    await waitFor(() => {
      two.send({ type: 'heartbeat-response', from: nodeId(2), to: nodeId(1), term: term(1), readRound: 3 });
      return receivedBy1.length > 0;
    });
  });

  it('closes a connection that announces a frame beyond the bound or sends garbage', async () => {
    const errors: Error[] = [];
    const transport = new TcpTransport({ id: nodeId(3), onMessage: () => {}, frameBytesMax: 1024, onError: (error) => errors.push(error) });
    transports.push(transport);
    const address = await transport.listen(0);
    for (const payload of [Buffer.from([0, 1, 0, 0]), Buffer.from([0, 0, 0, 3, 9, 9, 9])]) {
      const socket = connect(address.port, address.host);
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.write(payload);
      await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    }
    assert.equal(errors.length, 2);
    assert.match(errors[0]?.message ?? '', /exceeds the bound/);
  });

  it('drops messages for a peer that is not reachable instead of queueing them', async () => {
    const transport = new TcpTransport({ id: nodeId(4), onMessage: () => {} });
    transports.push(transport);
    transport.send({ type: 'timeout-now', from: nodeId(4), to: nodeId(5), term: term(1) });
    assert.equal(transport.droppedMessages, 1);
  });
});
