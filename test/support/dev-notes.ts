// The team's development notes, which no output may cite: a reader cannot find them. Shared by every
// test that scans an output (the engine's, the cards', the CLI's, the app's and the letter's).

/** Development notes a reader cannot find: the team's domain and style notes, the samples folder, the source reviews. */
export const DEV_NOTE = /DOMAIN\.md|STYLE\.md|\.\.\/shared|cds-samples|\bseeds?\b|seed reviews?|seed \d{3}/i;

/** Resource references and ids ("Condition/seed000-cond-2") are the record's, not citations: left out before scanning. */
export const withoutIds = (s: string): string => s.replace(/\b[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]+/g, '<ref>').replace(/\bseed\d{3}[a-z0-9-]*/gi, '<id>');

/** The development-note reference in `text` with some context around it, or undefined when there is none. */
export function devNoteIn(text: string): string | undefined {
  const clean = withoutIds(text);
  const hit = DEV_NOTE.exec(clean);
  return hit ? clean.slice(Math.max(0, hit.index - 60), hit.index + 40) : undefined;
}
