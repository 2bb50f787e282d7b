/** Small, pure display helpers (relative times, sizes) shared by the views. */

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60]
];

/** "3 days ago", "just now", "in 2 hours" for an ISO time (relative to `now`). */
export function relativeTime(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) {
    return '';
  }
  const time = Date.parse(iso);
  if (Number.isNaN(time)) {
    return iso;
  }
  const seconds = Math.round((time - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) {
    return 'just now';
  }
  const format = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  for (const [unit, size] of UNITS) {
    if (abs >= size) {
      return format.format(Math.round(seconds / size), unit);
    }
  }
  return format.format(Math.round(seconds / 60) || (seconds < 0 ? -1 : 1), 'minute');
}

/** The exact local time, for tooltips: "2024-05-01 14:03:22 (UTC+02:00)". */
export function exactTime(iso: string | null | undefined): string {
  if (!iso) {
    return '';
  }
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return iso;
  }
  const pad = (n: number) => String(n).padStart(2, '0');
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const tz = `UTC${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())} (${tz})`
  );
}

/** 1536 -> "1.5 KB". */
export function formatBytes(size: number | null | undefined): string {
  if (size === null || size === undefined || Number.isNaN(size)) {
    return '';
  }
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = size;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** The framework of an entry, from its defined metadata. */
export function frameworkOf(defined: Record<string, any> | null | undefined): string {
  const value = defined?.Framework;
  return value ? String(value) : '';
}

/** A file name a model can be unpacked into: "churn model" v3 -> "churn-model-v3". */
export function safeFolderName(name: string, version: number): string {
  const base = name
    .trim()
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  return `${base || 'model'}-v${version}`;
}

/** The Python a notebook cell needs to load a catalog model. */
export function loadModelCode(id: string, name: string, version: number): string {
  const comment = `${name} v${version}`.replace(/[\r\n]+/g, ' ');
  return [
    'from model_catalog_ext import ModelCatalog',
    '',
    `# ${comment}`,
    `artifact = ModelCatalog().get_model(${JSON.stringify(id)}).load()`,
    'model = artifact.model'
  ].join('\n');
}
