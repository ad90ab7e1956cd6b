// Shared reference resources of a Bulk Data export (Organization, Practitioner, Location, …: the
// types criteria/compartment.ts calls shared), kept on disk in one SQLite file so that memory stays
// bounded however many there are — an export where every member's payer is its own Organization
// has as many of them as patients. Each pass-1 thread writes a shard; each evaluating thread opens
// every shard read-only and looks up only the keys a partition's resources name, all of them at
// once in a few queries per shard (nearly every patient names a payer no other patient does, and a
// query per shard per patient cost more than the rest of the join), with a small cache, since
// practitioners and sites are named by many patients.
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

/** Where shared keys are looked up: the index itself, or what was fetched for one partition. */
export interface SharedLookup {
  get(key: string): SharedEntry | undefined;
}

export interface SharedReader extends SharedLookup {
  /**
   * The entries of `keys` and, transitively, of every key those entries reference, fetched at once:
   * the cache's hits, then the misses in a few queries per shard. A key outside that closure is
   * looked up on its own, as by get.
   */
  fetchClosure(keys: Iterable<string>): SharedLookup;
  close(): void;
}

/** Keys per batched query (SQLite allows 32,766 parameters; past a few hundred it stops mattering). */
const KEYS_PER_QUERY = 500;

/**
 * Read-only lookups, cached in two generations of `cacheSize` keys: a key used in the current or
 * the last generation is a hit, so keys many patients name stay, one-patient keys age out, and a
 * hit costs one Map lookup.
 */
export function openSharedIndex(paths: string[], cacheSize = 20_000): SharedReader {
  const dbs = paths.map((p) => new Database(p, { readonly: true, fileMustExist: true }));
  const selects = dbs.map((db) => db.prepare('SELECT line FROM shared WHERE key = ?').pluck());
  // In index order, (key, rowid): a key's lines in the order they were written, as the query above
  // reads them. A short chunk repeats its last key (IN ignores the repeats).
  const batches = dbs.map((db) => db.prepare(`SELECT key, line FROM shared WHERE key IN (${new Array(KEYS_PER_QUERY).fill('?').join(',')}) ORDER BY key, rowid`).raw());
  let young = new Map<string, SharedEntry | null>();
  let old = new Map<string, SharedEntry | null>();
  const remember = (key: string, entry: SharedEntry | null) => {
    young.set(key, entry);
    if (young.size >= cacheSize) {
      old = young;
      young = new Map();
    }
  };
  /** The cached entry (null: known absent), or undefined when the key must be read. */
  const cached = (key: string): SharedEntry | null | undefined => {
    let entry = young.get(key);
    if (entry === undefined) {
      entry = old.get(key);
      if (entry !== undefined) remember(key, entry);
    }
    return entry;
  };
  /** Every shard's lines for one key, shard after shard; a key in several shards: each line once. */
  const entryOf = (lines: string[]): SharedEntry | null => {
    const unique = [...new Set(lines)];
    return unique.length ? { lines: unique, refs: [...new Set(unique.flatMap(sharedRefs))] } : null;
  };
  /** Lines per key of `keys` (distinct), shard after shard, KEYS_PER_QUERY keys a query. */
  const readMany = (keys: string[]): Map<string, string[]> => {
    const lines = new Map<string, string[]>();
    const params = new Array<string>(KEYS_PER_QUERY);
    for (let from = 0; from < keys.length; from += KEYS_PER_QUERY) {
      const n = Math.min(KEYS_PER_QUERY, keys.length - from);
      for (let i = 0; i < KEYS_PER_QUERY; i++) params[i] = keys[from + Math.min(i, n - 1)]!;
      for (const batch of batches) {
        for (const [key, line] of batch.all(params) as [string, string][]) {
          const list = lines.get(key);
          if (list) list.push(line);
          else lines.set(key, [line]);
        }
      }
    }
    return lines;
  };
  const reader: SharedReader = {
    get(key) {
      let entry = cached(key);
      if (entry === undefined) remember(key, (entry = entryOf(selects.flatMap((s) => s.all(key) as string[]))));
      return entry ?? undefined;
    },
    fetchClosure(keys) {
      const found = new Map<string, SharedEntry | null>();
      let wanted = [...new Set(keys)];
      while (wanted.length) {
        const next: string[] = [];
        const take = (key: string, entry: SharedEntry | null) => {
          found.set(key, entry);
          for (const r of entry?.refs ?? []) if (!found.has(r)) next.push(r);
        };
        const misses: string[] = [];
        for (const key of wanted) {
          if (found.has(key)) continue;
          const entry = cached(key);
          if (entry === undefined) misses.push(key);
          else take(key, entry);
        }
        const read = readMany(misses);
        for (const key of misses) {
          const entry = entryOf(read.get(key) ?? []);
          remember(key, entry);
          take(key, entry);
        }
        wanted = [...new Set(next)].filter((k) => !found.has(k));
      }
      return { get: (key) => (found.has(key) ? (found.get(key) ?? undefined) : reader.get(key)) };
    },
    close: () => dbs.forEach((db) => db.close()),
  };
  return reader;
}

/**
 * The shared resources one patient may use: those its own resources reference, and (transitively)
 * those these reference — the closure criteria/compartment.ts's isolatePatient keeps.
 */
export function sharedClosure(ownLines: readonly string[], index: SharedLookup): string[] {
  return closureOf(ownLines.flatMap(sharedRefs), index);
}

/** sharedClosure from the keys its lines reference, in order (their sharedRefs, concatenated). */
export function closureOf(keys: readonly string[], index: SharedLookup): string[] {
  const seen = new Set<string>();
  const queue: string[] = [];
  const visit = (k: string) => {
    if (seen.has(k)) return;
    seen.add(k);
    queue.push(k);
  };
  keys.forEach(visit);
  const out: string[] = [];
  for (let i = 0; i < queue.length; i++) {
    const entry = index.get(queue[i]!);
    if (!entry) continue;
    out.push(...entry.lines);
    entry.refs.forEach(visit);
  }
  return out;
}
