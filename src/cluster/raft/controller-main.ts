// A standalone controller process, for the multi-process fault test and the benchmark:
//
//   node src/cluster/raft/controller-main.ts --id 1 --dir /tmp/c1 --raft 127.0.0.1:9101 \
//     --client 127.0.0.1:9201 --peers 1=127.0.0.1:9101,2=127.0.0.1:9102,3=127.0.0.1:9103 \
//     [--bootstrap] [--tick-ms 10] [--election-ticks 10] [--heartbeat-ticks 2]
//
// With --bootstrap a fresh directory starts as a founding voter of all --peers; without it a fresh
// node joins and waits to be added. A tiny HTTP client API on --client (a test interface, not the
// Kafka listener):
//   POST /propose        body = entry bytes; 200 {index, term} once committed and applied here,
//                        421 {leader} when not the leader, 503 {reason} otherwise
//   GET  /read           linearizable read barrier (read-index); 200 {index} or 421 {leader}
//   GET  /entries        200 [{index, term, data}] every applied normal entry, data as UTF-8
//   GET  /status         200 {id, role, term, leader, commit, applied, lastIndex, voters, pid}
// Prints one line `ready {"raft": port, "client": port}` on stdout once listening.

import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';

import { Controller } from './controller.ts';
import type { PeerAddress } from './tcp-transport.ts';
import type { NodeId } from './types.ts';
import { nodeId } from './types.ts';

/** Bound on a proposal body accepted over HTTP. */
const PROPOSAL_BYTES_MAX = 1024 * 1024;

function parseAddress(text: string): PeerAddress {
  const separator = text.lastIndexOf(':');
  const port = Number(text.slice(separator + 1));
  if (separator < 0 || !Number.isInteger(port)) throw new Error(`bad address ${text}`);
  return { host: text.slice(0, separator), port };
}

function parsePeers(text: string): Map<NodeId, PeerAddress> {
  const peers = new Map<NodeId, PeerAddress>();
  for (const part of text.split(',').filter((item) => item.length > 0)) {
    const [id, address] = part.split('=');
    if (id === undefined || address === undefined) throw new Error(`bad peer ${part}`);
    peers.set(nodeId(Number(id)), parseAddress(address));
  }
  return peers;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      id: { type: 'string' },
      dir: { type: 'string' },
      raft: { type: 'string' },
      client: { type: 'string' },
      peers: { type: 'string', default: '' },
      bootstrap: { type: 'boolean', default: false },
      'tick-ms': { type: 'string', default: '10' },
      'election-ticks': { type: 'string', default: '10' },
      'heartbeat-ticks': { type: 'string', default: '2' },
    },
  });
  if (values.id === undefined || values.dir === undefined || values.raft === undefined || values.client === undefined) {
    throw new Error('usage: controller-main --id N --dir DIR --raft HOST:PORT --client HOST:PORT --peers ID=HOST:PORT,... [--bootstrap]');
  }
  const id = nodeId(Number(values.id));
  const peers = parsePeers(values.peers);
  const controller = await Controller.start({
    id,
    directory: values.dir,
    listen: parseAddress(values.raft),
    peers,
    bootstrapVoters: values.bootstrap ? [...peers.keys()] : null,
    tickMs: Number(values['tick-ms']),
    raft: { electionTicks: Number(values['election-ticks']), heartbeatTicks: Number(values['heartbeat-ticks']) },
  });
  const clientAddress = parseAddress(values.client);
  const server = createServer((request, response) => {
    handle(controller, request, response).catch((error: unknown) => {
      reply(response, 500, { error: error instanceof Error ? error.message : String(error) });
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(clientAddress.port, clientAddress.host, () => resolve());
  });
  const clientPort = (server.address() as AddressInfo).port;
  process.stdout.write(`ready ${JSON.stringify({ raft: parseAddress(values.raft).port, client: clientPort })}\n`);
  const shutdown = (): void => {
    server.close();
    void controller.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

async function handle(controller: Controller, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://controller');
  if (request.method === 'POST' && url.pathname === '/propose') {
    const body = await readBody(request);
    if (body === null) return reply(response, 413, { error: 'proposal too large' });
    const outcome = await controller.propose(body);
    if (outcome.ok) return reply(response, 200, { index: outcome.index, term: outcome.term });
    return reply(response, outcome.reason === 'not-leader' ? 421 : 503, { reason: outcome.reason, leader: outcome.leader });
  }
  if (request.method === 'GET' && url.pathname === '/read') {
    const index = await controller.linearizableRead();
    if (index === null) return reply(response, 421, { leader: controller.raft.leader });
    return reply(response, 200, { index });
  }
  if (request.method === 'GET' && url.pathname === '/entries') {
    const decoder = new TextDecoder();
    return reply(
      response,
      200,
      controller.applied.map((record) => ({ index: record.index, term: record.term, data: decoder.decode(record.data) })),
    );
  }
  if (request.method === 'GET' && url.pathname === '/status') {
    const raft = controller.raft;
    return reply(response, 200, {
      id: controller.id,
      role: raft.role,
      term: raft.term,
      leader: raft.leader,
      commit: raft.commitIndex,
      applied: controller.appliedIndex,
      lastIndex: raft.lastIndex,
      voters: raft.config.voters,
      pid: process.pid,
    });
  }
  reply(response, 404, { error: 'not found' });
}

async function readBody(request: IncomingMessage): Promise<Uint8Array | null> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    total += chunk.byteLength;
    if (total > PROPOSAL_BYTES_MAX) return null;
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

main().catch((error: unknown) => {
  process.stderr.write(`controller failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
