/**
 * Child process of the HTTP benchmark: a bare fastify route that answers `POST /graphql` with a fixed JSON body
 * (the GraphQL server's own answer, read from the file named on the command line). No auth, no logging, no
 * GraphQL: the ceiling the GraphQL endpoint is compared with.
 */
import { readFileSync } from 'node:fs';

import Fastify from 'fastify';

const [bodyFile] = process.argv.slice(2);
if (bodyFile === undefined) throw new Error('usage: httpBareChild BODY_FILE');
const answer = JSON.parse(readFileSync(bodyFile, 'utf8')) as unknown;

const app = Fastify({ logger: false });
// The object is serialised on every request, as a real route would serialise what it read.
app.post('/graphql', () => answer);
const address = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`bare listening on ${address}\n`);
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
