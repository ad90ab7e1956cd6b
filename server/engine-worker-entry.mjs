// Worker threads do not inherit the tsx loader from --import; register it here, then load the
// TypeScript worker (as cli/batch-worker-entry.mjs does).
import { register } from 'tsx/esm/api';

register();
await import('./engine-worker.ts');
