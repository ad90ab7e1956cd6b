// A FHIR server that misbehaves on purpose, run as its own process by the fault tests and the bench:
//   node misbehaving-fhir-server.mjs <mode>   → prints its port, then serves until killed.
// Modes: slow (3 s per page, with next links), error (500 OperationOutcome), garbage (not FHIR),
// endless (every page links to another page, forever), hang (accepts, never answers),
// endless-body (a searchset whose entries never end, streamed as fast as the client reads),
// huge-page (one page of 200,000 Observations, about 30 MB, with a Content-Length),
// large-page (one page of 20,000 Observations, about 3 MB: a large record that fits the caps).
// GET /__stats answers {requests, bytes}: what the service asked for and what it was sent.
import http from 'node:http';

const mode = process.argv[2];
let requests = 0;
let bytes = 0;

const ENTRY = JSON.stringify({
  resource: { resourceType: 'Observation', id: 'x', status: 'final', subject: { reference: 'Patient/cds-ada-aetna' }, code: { text: 'filler to make the body grow quickly' } },
});

function streamForever(res) {
  res.writeHead(200, { 'content-type': 'application/fhir+json' });
  const chunk = Buffer.from(`${ENTRY},`.repeat(512));
  res.write('{"resourceType":"Bundle","type":"searchset","entry":[');
  const pump = () => {
    while (!res.destroyed) {
      bytes += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
  };
  res.on('close', () => res.destroy());
  pump();
}

const pages = new Map();
function pageOf(n) {
  if (!pages.has(n)) {
    pages.set(n, Buffer.from(`{"resourceType":"Bundle","type":"searchset","entry":[${Array.from({ length: n }, (_, i) => ENTRY.replace('"id":"x"', `"id":"h${i}"`)).join(',')}]}`));
  }
  return pages.get(n);
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  if (url.pathname === '/__stats') return void res.end(JSON.stringify({ requests, bytes }));
  requests++;
  const base = `http://127.0.0.1:${server.address().port}`;
  const page = Number(url.searchParams.get('page') ?? '0');
  const bundle = (next) => ({
    resourceType: 'Bundle',
    type: 'searchset',
    link: next ? [{ relation: 'next', url: `${base}${url.pathname}?page=${page + 1}` }] : [],
    entry: [],
  });
  const send = (status, body, type = 'application/fhir+json') => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    bytes += Buffer.byteLength(text);
    res.writeHead(status, { 'content-type': type });
    res.end(text);
  };
  switch (mode) {
    case 'slow':
      setTimeout(() => send(200, bundle(page < 3)), 3000);
      break;
    case 'error':
      send(500, { resourceType: 'OperationOutcome', issue: [{ severity: 'fatal', code: 'exception' }] });
      break;
    case 'garbage':
      send(200, '<html><body>Service temporarily moved</body></html>', 'text/html');
      break;
    case 'endless':
      send(200, bundle(true));
      break;
    case 'endless-body':
      streamForever(res);
      break;
    case 'huge-page':
    case 'large-page': {
      const body = url.pathname.endsWith('/Observation') || mode === 'huge-page' ? pageOf(mode === 'huge-page' ? 200_000 : 20_000) : Buffer.from(JSON.stringify(bundle(false)));
      bytes += body.length;
      res.writeHead(200, { 'content-type': 'application/fhir+json', 'content-length': body.length });
      res.end(body);
      break;
    }
    case 'hang':
      break;
    default:
      send(404, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] });
  }
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
