// Dates and times in the browser's own locale and time zone.

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: "long", day: "numeric", month: "long", year: "numeric" });
const shortDay = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function timeOf(iso: string): string {
  return timeFormat.format(new Date(iso));
}

export function fullTime(iso: string): string {
  return full.format(new Date(iso));
}

/** The local calendar day of a time, as a key for day separators. */
export function dayKey(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

export function dayLabel(iso: string, today: string, yesterday: string, now = new Date()): string {
  const d = new Date(iso);
  const key = dayKey(iso);
  if (key === dayKey(now.toISOString())) return today;
  const y = new Date(now);
  y.setDate(y.getDate() - 1);
  if (key === dayKey(y.toISOString())) return yesterday;
  return dayFormat.format(d);
}

/** A list row's time: the hour today, the date before. */
export function listTime(iso: string, now = new Date()): string {
  return dayKey(iso) === dayKey(now.toISOString()) ? timeOf(iso) : shortDay.format(new Date(iso));
}
