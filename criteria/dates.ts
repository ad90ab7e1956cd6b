// Calendar arithmetic on YYYY-MM-DD strings, in UTC so the browser and Node agree.

const DAY_MS = 86_400_000;

export const toDay = (date: string): number => Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10)) / DAY_MS;

export const daysBetween = (from: string, to: string): number => toDay(to) - toDay(from);

export const weeksBetween = (from: string, to: string): number => daysBetween(from, to) / 7;

export const addDays = (date: string, days: number): string =>
  new Date((toDay(date) + days) * DAY_MS).toISOString().slice(0, 10);

export const today = (): string => new Date().toISOString().slice(0, 10);

/** Round to one decimal, for readable week counts. */
export const round1 = (n: number): number => Math.round(n * 10) / 10;

export const isoDate = (value: unknown): value is string =>
  typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(toDay(value));
