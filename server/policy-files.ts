// Node's door to the policy library: reads criteria/{policies,valuesets,advisories,checks}/*.json
// (or another folder with the same layout) and hands the data to loadLibrary, which validates it.
// Adding a policy is adding a JSON file here; no TypeScript changes.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadLibrary, PolicyLoadError, type LibraryFile, type PolicyLibrary } from '../criteria';

export const REPO_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const DEFAULT_LIBRARY_DIR = join(REPO_ROOT, 'criteria');
const FOLDERS = ['vocabulary', 'valuesets', 'facts', 'policies', 'advisories', 'checks'] as const;

/** Every library JSON file under the given roots; a later root's files are added to earlier ones. */
export function readLibraryFiles(...roots: string[]): LibraryFile[] {
  const files: LibraryFile[] = [];
  for (const root of roots) {
    for (const folder of FOLDERS) {
      const dir = join(root, folder);
      if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) continue;
      for (const name of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
        const path = join(dir, name);
        const shown = relative(REPO_ROOT, path) || path;
        let data: unknown;
        try {
          data = JSON.parse(readFileSync(path, 'utf8'));
        } catch (e) {
          throw new PolicyLoadError(shown, '', `not valid JSON: ${(e as Error).message}`);
        }
        files.push({ path: shown, data });
      }
    }
  }
  return files;
}

/** The shipped library, plus any extra roots (a test's throwaway policy folder, a deployment's own policies). */
export function loadLibraryFromDisk(...extraRoots: string[]): PolicyLibrary {
  return loadLibrary(readLibraryFiles(DEFAULT_LIBRARY_DIR, ...extraRoots));
}
