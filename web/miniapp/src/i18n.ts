// Texts (locales/ru.json, locales/en.json) and formats of dates, times and prices.
// English when Telegram's language_code is English (as the bot decides), Russian otherwise.
import en from "./locales/en.json";
import ru from "./locales/ru.json";
import { languageCode } from "./telegram";

export type Key = keyof typeof ru;
export type Lang = "ru" | "en";

export function pickLanguage(code: string): Lang {
  return code.toLowerCase().split(/[-_]/)[0] === "en" ? "en" : "ru";
}

export const lang: Lang = pickLanguage(languageCode());
const messages: Record<Key, string> = lang === "en" ? en : ru;
const locale = lang === "en" ? "en-GB" : "ru-RU";
document.documentElement.lang = lang;

/** A catalogue text for this user: its English twin (`*_en`) for English, when there is one. */
export function inLang(russian: string, english?: string | null): string {
  return lang === "en" && english ? english : russian;
}

export function t(key: Key, params: Record<string, string | number> = {}): string {
  return messages[key].replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? ""));
}

/** A `YYYY-MM-DD` date as a UTC midnight (calendar arithmetic without time zones). */
export function parseDay(iso: string): Date {
  const [y, m, d] = iso.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d));
}

export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

const dayFormat = new Intl.DateTimeFormat(locale, {
  weekday: "short",
  day: "numeric",
  month: "long",
  timeZone: "UTC",
});
const monthFormat = new Intl.DateTimeFormat(locale, { month: "long", timeZone: "UTC" });
const weekdayFormat = new Intl.DateTimeFormat(locale, { weekday: "short", timeZone: "UTC" });
const numberFormat = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });

/** "пт, 11 декабря" / "Fri 11 December". */
export function formatDay(iso: string): string {
  return dayFormat.format(parseDay(iso)).replace(",", lang === "en" ? "" : ",");
}

/** "Декабрь 2026" / "December 2026" for `YYYY-MM`. */
export function formatMonth(month: string): string {
  const name = monthFormat.format(parseDay(`${month}-01`));
  return `${name[0].toUpperCase()}${name.slice(1)} ${month.slice(0, 4)}`;
}

/** Short weekday names, Monday first. */
export const weekdays: string[] = Array.from({ length: 7 }, (_, i) =>
  weekdayFormat.format(new Date(Date.UTC(2024, 0, 1 + i))),
);

/** "10:00" from "10:00" or "10:00:00". */
export function formatTime(value: string): string {
  return value.slice(0, 5);
}

/** "1 500 ₽" / "1,500 ₽" (kopecks only when there are any), as the bot writes prices. */
export function formatPrice(value: string | number): string {
  return `${numberFormat.format(Number(value))} ₽`;
}

export function formatDuration(minutes: number): string {
  return t("minutes", { n: minutes });
}
