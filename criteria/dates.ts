// Calendar arithmetic on YYYY-MM-DD strings, in UTC so the browser and Node agree, and FHIR dates of
// any precision: "2023", "2023-03", "2023-03-14" and instants with time zones. A date that is only a
// year or a month is a span, not a day: durations computed from it are bounded, not exact.

const DAY_MS = 86_400_000;

export const toDay = (date: string): number => Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10)) / DAY_MS;

export const daysBetween = (from: string, to: string): number => toDay(to) - toDay(from);

export const weeksBetween = (from: string, to: string): number => daysBetween(from, to) / 7;

export const addDays = (date: string, days: number): string => new Date((toDay(date) + days) * DAY_MS).toISOString().slice(0, 10);

export const addMonths = (date: string, months: number): string => {
  const d = new Date(Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1 + months, +date.slice(8, 10)));
  return d.toISOString().slice(0, 10);
};

/** The UTC calendar day now; the string is built once a day (it is asked for once per determination). */
let todayCache = { day: NaN, iso: '' };
export const today = (): string => {
  const day = Math.floor(Date.now() / DAY_MS);
  if (day !== todayCache.day) todayCache = { day, iso: new Date(day * DAY_MS).toISOString().slice(0, 10) };
  return todayCache.iso;
};

/** Round to one decimal, for readable week counts. */
export const round1 = (n: number): number => Math.round(n * 10) / 10;

export const isoDate = (value: unknown): value is string =>
  typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(toDay(value)) && new Date(toDay(value) * DAY_MS).toISOString().startsWith(value);

const FHIR_DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/** The days a FHIR date or dateTime may stand for: one day, or the whole month or year when that is all it says. */
export interface DateSpan {
  first: string;
  last: string;
}

const THIRTY_DAYS = new Set([4, 6, 9, 11]);

export function dateSpan(value: unknown): DateSpan | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  const m = FHIR_DATE.exec(text);
  if (!m) return undefined;
  const [, y, mo, d] = m;
  const year = Number(y);
  if (mo === undefined) return { first: `${y}-01-01`, last: `${y}-12-31` };
  const month = Number(mo);
  if (month < 1 || month > 12) return undefined;
  if (d === undefined) {
    const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
    return { first: `${y}-${mo}-01`, last: `${y}-${mo}-${String(last).padStart(2, '0')}` };
  }
  // A real calendar day (not 2025-02-30), checked without building a Date: this runs for every dated entry.
  const dayNumber = Number(d);
  const daysInMonth = month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : THIRTY_DAYS.has(month) ? 30 : 31;
  if (dayNumber < 1 || dayNumber > daysInMonth) return undefined;
  // The pattern is anchored with fixed widths, so the day is the text's first ten characters.
  const day = text.length === 10 ? text : text.slice(0, 10);
  return { first: day, last: day };
}

/** The calendar day of a FHIR date or dateTime as written (its own time zone), when it names one day; the first day of a coarser span. */
export const dateOf = (value: unknown): string | undefined => dateSpan(value)?.first;

/** Milliseconds since the epoch for a dateTime with a time (compared as instants, time zones honoured); undefined for plain dates. */
export function instantOf(value: unknown): number | undefined {
  // Most record dates are plain days: without a 'T' there is no time to read.
  if (typeof value !== 'string' || !value.includes('T') || !/T\d{2}:\d{2}/.test(value)) return undefined;
  // FHIR requires a zone on a time; one without is read as UTC, so the browser and Node agree.
  const ms = Date.parse(/(Z|[+-]\d{2}:\d{2})$/.test(value) ? value : `${value}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}
