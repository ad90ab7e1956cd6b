// Worker threads do not inherit the tsx loader from --import; register it here, then load the
// TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./batch-worker.ts');
