// Translation: every string the console shows comes from a catalogue (locales/*.ts), and every date,
// amount and number is formatted with Intl for the chosen locale. The chosen locale is kept in
// localStorage (it is not a secret); components read it through t() and the format helpers, and the
// application re-renders everything when it changes.
import { en, type MessageKey } from './locales/en';
import { zhHans } from './locales/zh-Hans';
import { zhHant } from './locales/zh-Hant';

export type Locale = 'en' | 'zh-Hans' | 'zh-Hant';
export const LOCALES: Locale[] = ['en', 'zh-Hans', 'zh-Hant'];

const catalogues: Record<Locale, Record<MessageKey, string>> = { en, 'zh-Hans': zhHans, 'zh-Hant': zhHant };
// The BCP 47 tag handed to Intl and to <html lang>.
const tags: Record<Locale, string> = { en: 'en-GB', 'zh-Hans': 'zh-Hans-CN', 'zh-Hant': 'zh-Hant-HK' };
const storageKey = 'twoline.locale';

function initialLocale(): Locale {
  try {
    const stored = localStorage.getItem(storageKey);
    if (stored && (LOCALES as string[]).includes(stored)) return stored as Locale;
  } catch {
    // Storage may be disabled; fall back to the browser's language.
  }
  const language = navigator.language.toLowerCase();
  if (language.startsWith('zh')) {
    return /hant|tw|hk|mo/.test(language) ? 'zh-Hant' : 'zh-Hans';
  }
  return 'en';
}

let current: Locale = initialLocale();

export const locale = () => current;
export const localeTag = () => tags[current];

export function setLocale(next: Locale) {
  current = next;
  try {
    localStorage.setItem(storageKey, next);
  } catch {
    // Not remembered across visits, still switched.
  }
  document.documentElement.lang = tags[next];
}

export type { MessageKey };

// The message for `key` with {name} placeholders filled in.
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  const text = catalogues[current][key] ?? en[key];
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) return whole;
    return typeof value === 'number' ? formatNumber(value) : value;
  });
}

// A message for a value of an API enumeration (outcome, state, direction, status, ...), or the value
// itself when the catalogue has no entry for it (a newer server may add values).
export function tEnum(group: string, value: string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  const key = `${group}.${value}` as MessageKey;
  return key in en ? t(key) : value;
}

const numberFormats = new Map<string, Intl.NumberFormat>();
function numberFormat(options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const id = `${current}|${JSON.stringify(options)}`;
  let format = numberFormats.get(id);
  if (!format) {
    format = new Intl.NumberFormat(tags[current], options);
    numberFormats.set(id, format);
  }
  return format;
}

// Intl.NumberFormat formats decimal strings exactly (no binary floating point in between).
type Exact = number | string;
const exact = (value: Exact) => value as unknown as number;

export function formatNumber(value: Exact | null | undefined, maximumFractionDigits = 3): string {
  if (value === null || value === undefined || value === '') return '—';
  return numberFormat({ maximumFractionDigits }).format(exact(value));
}

export function formatMoney(value: Exact | null | undefined, currency = 'CNY'): string {
  if (value === null || value === undefined || value === '') return '—';
  try {
    return numberFormat({ style: 'currency', currency, currencyDisplay: 'code' }).format(exact(value));
  } catch {
    return `${formatNumber(value, 2)} ${currency}`;
  }
}

// "2026-03-01T08:00:00+08:00" shown in the offset it was written with (the zone's time).
export function formatDateTime(value: string | null | undefined): string {
  if (!value) return '—';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  const offset = /([+-]\d\d:\d\d)$/.exec(value)?.[1] ?? (value.endsWith('Z') ? '+00:00' : undefined);
  const options: Intl.DateTimeFormatOptions = { dateStyle: 'medium', timeStyle: 'medium' };
  try {
    return new Intl.DateTimeFormat(tags[current], { ...options, timeZone: offset }).format(date);
  } catch {
    return new Intl.DateTimeFormat(tags[current], options).format(date);
  }
}

// A calendar date "2026-03-01" (no time zone involved).
export function formatDate(value: string | null | undefined): string {
  if (!value) return '—';
  const match = /^(\d{4})-(\d\d)-(\d\d)$/.exec(value);
  if (!match) return formatDateTime(value);
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return new Intl.DateTimeFormat(tags[current], { dateStyle: 'medium', timeZone: 'UTC' }).format(date);
}

document.documentElement.lang = tags[current];
