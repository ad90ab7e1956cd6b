// Preloaded by the production-mode test (node --import tsx --import this): records the URL of every
// module the process loads into $MODULE_LOG, so the test can show no sandbox module was loaded.
import { register } from 'node:module';

const hooks = `
import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  if (process.env.MODULE_LOG) appendFileSync(process.env.MODULE_LOG, url + '\\n');
  return next(url, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
