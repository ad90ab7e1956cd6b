// The policy library, bundled into the app: Vite inlines every policy, value set, advisory and check JSON
// file at build time, and the engine validates them once on first use, exactly as in Node.
import { loadLibrary, type PolicyLibrary } from '../criteria';

const files = import.meta.glob('../criteria/{vocabulary,valuesets,facts,policies,advisories,checks}/*.json', { eager: true, import: 'default' });

let library: PolicyLibrary | undefined;

export function getLibrary(): PolicyLibrary {
  library ??= loadLibrary(
    Object.entries(files).map(([path, data]) => ({ path: path.replace(/^\.\.\//, ''), data })),
  );
  return library;
}
