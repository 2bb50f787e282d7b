/**
 * A model's history in words: one line per recorded change, as `%catalog history` and the
 * command line word it (model_catalog_ext/catalog/history.py `describe`).
 */
import { IHistoryRecord } from './api';

/** The longest a value is shown before it is cut with "…". */
const WIDTH = 60;

/** A value as the line shows it: tags as `key:value`, text quoted, the rest as JSON. */
export function shownValue(value: unknown, width = WIDTH): string {
  let text: string;
  if (value === null || value === undefined) {
    text = '(none)';
  } else if (typeof value === 'string') {
    text = JSON.stringify(value);
  } else if (
    typeof value === 'object' &&
    !Array.isArray(value) &&
    Object.values(value as object).every(v => typeof v === 'string')
  ) {
    const pairs = Object.entries(value as Record<string, string>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0
    );
    text = pairs.map(([k, v]) => `${k}:${v}`).join(' ') || '{}';
  } else {
    text = JSON.stringify(value);
  }
  return text.length <= width ? text : text.slice(0, width - 1) + '…';
}

/** What a record changed, in one line: `description: "" → "tuned"; …`. */
export function describeChange(record: IHistoryRecord): string {
  const changes = Object.entries(record.changes ?? {});
  if (record.action === 'saved') {
    return changes
      .filter(([name]) => name !== 'version' && name !== 'lifecycle_state')
      .map(([name, [, value]]) => `${name}=${shownValue(value)}`)
      .join(', ');
  }
  return changes
    .map(([name, [before, after]]) => `${name}: ${shownValue(before)} → ${shownValue(after)}`)
    .join('; ');
}

/** The records newest first, as the view lists them. */
export function newestFirst(records: readonly IHistoryRecord[]): IHistoryRecord[] {
  return [...records].sort((a, b) => b.sequence - a.sequence);
}
