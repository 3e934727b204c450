// The reference tus server from npm (@tus/server with @tus/file-store),
// run beside the HoSo portal in benchmarks and the client's interop tests.
//   node tus-server.mjs DIR [PORT]
// Stores uploads in DIR, listens on 127.0.0.1 (PORT, or any free port), and
// prints its creation URL on the first line of stdout once it listens.
import http from 'node:http';
import { Server } from '@tus/server';
import { FileStore } from '@tus/file-store';

const [dir, port = '0'] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node tus-server.mjs DIR [PORT]');
  process.exit(2);
}

const tus = new Server({
  path: '/files',
  datastore: new FileStore({ directory: dir }),
  // Locations relative to the request's host, so any loopback port works.
  respectForwardedHeaders: false,
});

const server = http.createServer((req, res) => tus.handle(req, res));
server.keepAliveTimeout = 60_000;
server.listen(Number(port), '127.0.0.1', () => {
  const { port: bound } = server.address();
  console.log(`http://127.0.0.1:${bound}/files`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
