// Shared reference resources of a Bulk Data export (Organization, Practitioner, Location, …: the
// types criteria/compartment.ts calls shared), kept on disk in one SQLite file so that memory stays
// bounded however many there are — an export where every member's payer is its own Organization
// has as many of them as patients. Each pass-1 thread writes a shard; each evaluating thread opens
// every shard read-only and looks up, per patient, only the keys that patient's resources name
// (with a small cache, since practitioners and sites are named by many patients).
import Database from 'better-sqlite3';
import { SHARED_TYPES } from '../criteria';

/** The same `Type/id` reading as criteria/compartment.ts (absolute URLs and _history allowed). */
const TYPE_ID = /([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/;
const KEY = '"reference"';
/** A cheap test that a reference could name a shared type, before the exact regex. */
const MAY_BE_SHARED = new RegExp([...SHARED_TYPES].join('|'));

/**
 * `Type/id` keys of the shared resources a resource's JSON text references: every `"reference"`
 * key at any depth, as JSON.parse would see it. An unescaped `"reference"` followed by a colon can
 * only be a key (inside a string its quotes would be escaped). indexOf, not a regex: this runs on
 * every line of the export and is several times faster.
 */
export function sharedRefs(json: string): string[] {
  let at = json.indexOf(KEY);
  if (at === -1) return [];
  const keys: string[] = [];
  while (at !== -1) {
    let i = at + KEY.length;
    while (json.charCodeAt(i) <= 32) i++;
    if (json.charCodeAt(i++) === 58 /* : */) {
      while (json.charCodeAt(i) <= 32) i++;
      if (json.charCodeAt(i) === 34 /* " */) {
        let end = json.indexOf('"', i + 1);
        let escaped = false;
        while (end !== -1 && json.charCodeAt(end - 1) === 92 /* \ */) {
          // An odd run of backslashes escapes the quote.
          let n = 0;
          while (json.charCodeAt(end - 1 - n) === 92) n++;
          if (n % 2 === 0) break;
          escaped = true;
          end = json.indexOf('"', end + 1);
        }
        if (end === -1) break;
        let value = json.slice(i + 1, end);
        if (escaped || value.includes('\\')) {
          try {
            value = JSON.parse(`"${value}"`) as string;
          } catch {
            value = '';
          }
        }
        const t = MAY_BE_SHARED.test(value) ? TYPE_ID.exec(value) : null;
        if (t && SHARED_TYPES.has(t[1]!)) keys.push(`${t[1]}/${t[2]}`);
        i = end + 1;
      }
    }
    at = json.indexOf(KEY, i);
  }
  return keys;
}

export interface SharedWriter {
  add(key: string, line: string): void;
  count(): number;
  close(): void;
}

/** A new index file; rows go in batched transactions (one per 5,000 rows). */
export function createSharedIndex(path: string): SharedWriter {
  const db = new Database(path);
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.exec('CREATE TABLE shared (key TEXT NOT NULL, line TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO shared (key, line) VALUES (?, ?)');
  let pending: [string, string][] = [];
  let total = 0;
  const flush = db.transaction((rows: [string, string][]) => {
    for (const [k, l] of rows) insert.run(k, l);
  });
  return {
    add(key, line) {
      pending.push([key, line]);
      total++;
      if (pending.length >= 5000) {
        flush(pending);
        pending = [];
      }
    },
    count: () => total,
    close() {
      flush(pending);
      pending = [];
      // The index is built once, after every row is in: faster than keeping it up to date.
      db.exec('CREATE INDEX shared_key ON shared (key)');
      db.close();
    },
  };
}

export interface SharedEntry {
  /** The resource's JSON lines (more than one when an export repeats a key). */
  lines: string[];
  /** Shared keys those lines reference in turn (a Location's managing Organization). */
  refs: string[];
}

export interface SharedReader {
  get(key: string): SharedEntry | undefined;
  close(): void;
}

/**
 * Read-only lookups, cached in two generations of `cacheSize` keys: a key used in the current or
 * the last generation is a hit, so keys many patients name stay, one-patient keys age out, and a
 * hit costs one Map lookup.
 */
export function openSharedIndex(paths: string[], cacheSize = 20_000): SharedReader {
  const dbs = paths.map((p) => new Database(p, { readonly: true, fileMustExist: true }));
  const selects = dbs.map((db) => db.prepare('SELECT line FROM shared WHERE key = ?').pluck());
  let young = new Map<string, SharedEntry | null>();
  let old = new Map<string, SharedEntry | null>();
  return {
    get(key) {
      let entry = young.get(key);
      if (entry === undefined) {
        entry = old.get(key);
        if (entry === undefined) {
          const lines = [...new Set(selects.flatMap((s) => s.all(key) as string[]))];
          entry = lines.length ? { lines, refs: [...new Set(lines.flatMap(sharedRefs))] } : null;
        }
        young.set(key, entry);
        if (young.size >= cacheSize) {
          old = young;
          young = new Map();
        }
      }
      return entry ?? undefined;
    },
    close: () => dbs.forEach((db) => db.close()),
  };
}

/**
 * The shared resources one patient may use: those its own resources reference, and (transitively)
 * those these reference — the closure criteria/compartment.ts's isolatePatient keeps.
 */
export function sharedClosure(ownLines: readonly string[], index: SharedReader): string[] {
  const seen = new Set<string>();
  const queue: string[] = [];
  const visit = (k: string) => {
    if (seen.has(k)) return;
    seen.add(k);
    queue.push(k);
  };
  for (const line of ownLines) sharedRefs(line).forEach(visit);
  const out: string[] = [];
  for (let i = 0; i < queue.length; i++) {
    const entry = index.get(queue[i]!);
    if (!entry) continue;
    out.push(...entry.lines);
    entry.refs.forEach(visit);
  }
  return out;
}
