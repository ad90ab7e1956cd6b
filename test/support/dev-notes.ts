// What no output of the product may cite: the team's development notes, which no reader can find (the
// domain and style notes, the shared folder, the samples folder, the source reviews). The same pattern
// as test/criteria/citations.test.ts's DEV_NOTE, for the scans of what the app and the letter render.
export const DEV_NOTE = /DOMAIN\.md|STYLE\.md|\.\.\/shared|cds-samples|\bseeds?\b|seed reviews?|seed \d{3}/i;

/** Resource references and fixture ids ("Condition/seed000-cond-2") are the record's, not citations: left out before scanning. */
export const withoutIds = (s: string) => s.replace(/\b[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]+/g, '<ref>').replace(/\bseed\d{3}[a-z0-9-]*/gi, '<id>');
