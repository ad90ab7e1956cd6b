// The least a Node server does for an order-sign call, for the service section of the bench: read the
// body, JSON.parse it, and send back a response fixed in advance (the product's own answer to the same
// request, serialised once). No framework, no validation, no engine, no store, no log line. Plain
// JavaScript, so node runs it without a loader: what it measures is node:http and V8, nothing else.
// Usage: PORT=<port> RESPONSE_FILE=<path> node bench/stack-baseline.mjs
import { readFileSync } from 'node:fs';
import http from 'node:http';

const answer = readFileSync(process.env.RESPONSE_FILE, 'utf8');
const length = Buffer.byteLength(answer);

http
  .createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      try {
        JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(400).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': length });
      res.end(answer);
    });
  })
  .listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('listening'));
