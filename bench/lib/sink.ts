/** A loopback TCP sink for the sendfile benchmark: accepts one connection, discards what it
 * reads, and prints the byte count when the peer closes. Prints its port first. */
import { createServer } from 'node:net';

const server = createServer((socket) => {
  let bytes = 0;
  socket.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  socket.on('end', () => {
    process.stdout.write(`${bytes}\n`);
    server.close();
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  process.stdout.write(`${address.port}\n`);
});
