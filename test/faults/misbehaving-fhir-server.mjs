// A FHIR server that misbehaves on purpose, run as its own process by the fault tests:
//   node misbehaving-fhir-server.mjs <mode>   → prints its port, then serves until killed.
// Modes: slow (3 s per page, with next links), error (500 OperationOutcome), garbage (not FHIR),
// endless (every page links to another page, forever), hang (accepts, never answers).
import http from 'node:http';

const mode = process.argv[2];
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  const base = `http://127.0.0.1:${server.address().port}`;
  const page = Number(url.searchParams.get('page') ?? '0');
  const bundle = (next) => ({
    resourceType: 'Bundle',
    type: 'searchset',
    link: next ? [{ relation: 'next', url: `${base}${url.pathname}?page=${page + 1}` }] : [],
    entry: [],
  });
  const send = (status, body, type = 'application/fhir+json') => {
    res.writeHead(status, { 'content-type': type });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
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
    case 'hang':
      break;
    default:
      send(404, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] });
  }
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
