// Part of `npm run typecheck`: proves that criteria/'s own compiler config makes Node and DOM APIs a
// compile error (criteria/ runs unchanged in the browser and in Node). Each probe is compiled, in
// memory, with criteria/tsconfig.json's options and must fail with the expected diagnostic; a probe
// that compiles means the guard is gone, and the script exits 1. One process and the TypeScript API,
// not a tsc per probe inside a timed test (that timed out on a loaded machine).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const configPath = path.join(ROOT, 'criteria', 'tsconfig.json');
const config = ts.readConfigFile(configPath, ts.sys.readFile);
const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, path.dirname(configPath));

const PROBES = [
  { name: 'a Node API import', source: "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n", expect: /node:fs/ },
  { name: 'a DOM API', source: 'export const t = document.title;\n', expect: /Cannot find name 'document'/ },
  { name: 'process.env', source: 'export const e = process.env.X;\n', expect: /Cannot find name 'process'/ },
  { name: 'a browser global (window)', source: 'export const w = window.location.href;\n', expect: /Cannot find name 'window'/ },
];
// The control: plain ES2022 compiles, so a failure above is the guard and not a broken probe setup.
const CONTROL = { name: 'plain ES2022', source: 'export const m = new Map<string, number>([["a", 1]]).get("a") ?? 0;\n' };

function diagnosticsOf(source) {
  const file = path.join(ROOT, 'criteria', '__probe__.ts');
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) =>
    path.resolve(name) === file ? ts.createSourceFile(name, source, language) : getSourceFile(name, language, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => path.resolve(name) === file || fileExists(name);
  const program = ts.createProgram([file], { ...options, noEmit: true }, host);
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('\n');
}

let failed = 0;
const control = diagnosticsOf(CONTROL.source);
if (control) {
  console.error(`isomorphism probe setup is broken: "${CONTROL.name}" does not compile:\n${control}`);
  failed++;
}
for (const probe of PROBES) {
  const found = diagnosticsOf(probe.source);
  if (!probe.expect.test(found)) {
    console.error(`criteria/ accepts ${probe.name}: expected a compile error matching ${probe.expect}, got: ${found || '(none)'}`);
    failed++;
  }
}
if (failed) process.exit(1);
console.log(`criteria/ isomorphism: ${PROBES.length} Node/DOM probes fail to compile under criteria/tsconfig.json, as they must`);
