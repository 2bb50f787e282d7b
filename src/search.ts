/**
 * The search-box grammar, mirrored from the server's `catalog/search.py` so the panel can
 * show how a search is read and flag mistakes before asking the server.
 *
 * - plain words are free text (name or description);
 * - `field:value` narrows: `tag:key=value`, `tag:key=prefix*`, `tag:key`, `user:alice`,
 *   `state:inactive|active|all`, `framework:sklearn`, `name:"churn model"`, ...;
 * - quotes group words; a quoted `a:b` is text, not a field.
 */

/** Field names the server knows, and what they set. */
export const SEARCH_FIELDS: Record<string, string> = {
  tag: 'tags',
  tags: 'tags',
  user: 'created_by',
  by: 'created_by',
  created_by: 'created_by',
  state: 'state',
  framework: 'framework',
  name: 'name',
  compartment: 'compartment_id',
  compartment_id: 'compartment_id',
  project: 'project_id',
  project_id: 'project_id',
  after: 'created_after',
  created_after: 'created_after',
  before: 'created_before',
  created_before: 'created_before',
  sort: 'sort',
  order: 'order'
};

const TAG_KEY_RE = /^[A-Za-z0-9_][A-Za-z0-9_.\-/]*$/;
const IDENTIFIER_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const STATES = ['ACTIVE', 'INACTIVE', 'ALL'];

/** One token of a search, with where it sits in the text (for highlighting). */
export interface ISearchToken {
  /** The token's text with quotes removed. */
  text: string;
  /** Offsets in the original string: [start, end). */
  start: number;
  end: number;
  kind: 'text' | 'field';
  /** For fields: the attribute it sets (`tags`, `created_by`, ...). */
  attribute?: string;
  field?: string;
  value?: string;
  /** For tag filters: how it matches. */
  tag?: { key: string; value: string | null; prefix: boolean };
  /** Why the server would refuse it, if it would. */
  error?: string;
}

export interface IParsedSearch {
  tokens: ISearchToken[];
  /** The first problem, worded like the server's message. */
  error: string | null;
  /** Free text words joined by a space, or null. */
  text: string | null;
  /** True when the search sets `state:` itself (then the panel's toggle must not). */
  setsState: boolean;
}

/** Split on whitespace; quotes group words. Mirrors `_tokenize` in search.py. */
export function tokenize(
  text: string
): { text: string; quoted: boolean; start: number; end: number }[] {
  const tokens: { text: string; quoted: boolean; start: number; end: number }[] = [];
  const n = text.length;
  let i = 0;
  const isSpace = (c: string) => /\s/.test(c);
  while (i < n) {
    if (isSpace(text[i])) {
      i += 1;
      continue;
    }
    const start = i;
    const quoted = text[i] === '"' || text[i] === "'";
    const parts: string[] = [];
    while (i < n && !isSpace(text[i])) {
      const char = text[i];
      const close = char === '"' || char === "'" ? text.indexOf(char, i + 1) : -1;
      if (close >= 0) {
        parts.push(text.slice(i + 1, close));
        i = close + 1;
      } else {
        parts.push(char);
        i += 1;
      }
    }
    tokens.push({ text: parts.join(''), quoted, start, end: i });
  }
  return tokens;
}

/** Read a tag filter: `key=value`/`key:value` exact, `key=pre*` prefix, `key` has key. */
export function parseTagFilter(text: string): {
  key: string;
  value: string | null;
  prefix: boolean;
  error?: string;
} {
  const trimmed = text.trim();
  if (!trimmed) {
    return {
      key: '',
      value: null,
      prefix: false,
      error: 'An empty tag filter: write tag:key=value, tag:key=prefix* or tag:key.'
    };
  }
  const cuts = [trimmed.indexOf('='), trimmed.indexOf(':')].filter(i => i >= 0);
  if (cuts.length === 0) {
    return { key: trimmed, value: null, prefix: false, error: checkTagKey(trimmed) };
  }
  const cut = Math.min(...cuts);
  const key = trimmed.slice(0, cut).trim();
  let value = trimmed.slice(cut + 1).trim();
  const keyError = checkTagKey(key);
  if (keyError) {
    return { key, value, prefix: false, error: keyError };
  }
  if (value.endsWith('*')) {
    value = value.slice(0, -1);
    if (value.includes('*')) {
      return {
        key,
        value,
        prefix: true,
        error: `Only a trailing * is supported in tag filters: '${trimmed}'.`
      };
    }
    return { key, value: value || null, prefix: Boolean(value) };
  }
  if (value.includes('*')) {
    return {
      key,
      value,
      prefix: false,
      error: `Only a trailing * is supported in tag filters: '${trimmed}'.`
    };
  }
  return { key, value, prefix: false };
}

/** The server's tag-key rule; undefined when the key is fine. */
export function checkTagKey(key: string): string | undefined {
  if (!key) {
    return 'A tag needs a key: write tags as key=value, for example version=3.';
  }
  if (key.length > 100) {
    return `The tag key '${key.slice(0, 40)}...' is longer than 100 characters.`;
  }
  if (!TAG_KEY_RE.test(key)) {
    return (
      `The tag key '${key}' has characters a key cannot hold; use letters, digits and _ . - / ` +
      '(for example model-run:1).'
    );
  }
  return undefined;
}

/**
 * Parse a freeform tag as a person types it: `key=value`, `key:value` (the first `=` or
 * `:` splits), or `tag:key=value` as in the search box. Returns the pair, or an error.
 */
export function parseTag(text: string): { key: string; value: string } | { error: string } {
  let rest = text.trim();
  if (/^tag:/i.test(rest) && /[=:]/.test(rest.slice(4))) {
    rest = rest.slice(4); // the search box's form, pasted into an editor
  }
  const cut = rest.search(/[=:]/);
  if (cut < 0) {
    return {
      error: `Cannot read the tag '${text}': write tags as key=value, for example version=3 or model-run=1.`
    };
  }
  const key = rest.slice(0, cut).trim();
  const value = rest.slice(cut + 1).trim();
  const keyError = checkTagKey(key);
  if (keyError) {
    return { error: keyError };
  }
  if (value.length > 256) {
    return { error: `The value of tag '${key}' is longer than 256 characters.` };
  }
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(value)) {
    return { error: `The value of tag '${key}' contains control characters; remove them.` };
  }
  return { key, value };
}

/** Parse a search-box string the way the server will. */
export function parseSearch(text: string): IParsedSearch {
  const tokens: ISearchToken[] = [];
  const words: string[] = [];
  const seen = new Set<string>();
  let error: string | null = null;
  let setsState = false;
  const known = Array.from(new Set(Object.keys(SEARCH_FIELDS)))
    .sort()
    .join(', ');
  for (const raw of tokenize(text)) {
    const colon = raw.text.indexOf(':');
    const field = colon >= 0 ? raw.text.slice(0, colon) : '';
    const value = colon >= 0 ? raw.text.slice(colon + 1) : '';
    // URLs (http://...) and quoted words are text, not fields.
    if (colon < 0 || raw.quoted || !IDENTIFIER_RE.test(field) || value.startsWith('//')) {
      words.push(raw.text);
      tokens.push({ text: raw.text, start: raw.start, end: raw.end, kind: 'text' });
      continue;
    }
    const token: ISearchToken = {
      text: raw.text,
      start: raw.start,
      end: raw.end,
      kind: 'field',
      field: field.toLowerCase(),
      value
    };
    const attribute = SEARCH_FIELDS[field.toLowerCase()];
    if (attribute === undefined) {
      token.error =
        `Unknown search field '${field}:'; use one of ${known} ` +
        'or quote the word to search for it as text.';
    } else {
      token.attribute = attribute;
      if (attribute === 'tags') {
        const tag = parseTagFilter(value);
        token.tag = { key: tag.key, value: tag.value, prefix: tag.prefix };
        token.error = tag.error;
      } else if (seen.has(attribute) && attribute !== 'sort' && attribute !== 'order') {
        token.error = `'${field}:' appears twice in the search; keep one.`;
      } else if (attribute === 'state') {
        setsState = true;
        if (!STATES.includes(value.toUpperCase())) {
          token.error = `Unknown state '${value}'; use one of ${STATES.join(', ')}.`;
        }
      }
      seen.add(attribute);
    }
    if (token.error && error === null) {
      error = token.error;
    }
    tokens.push(token);
  }
  return { tokens, error, text: words.length ? words.join(' ') : null, setsState };
}

/** A short human reading of one token, for the chips under the search box. */
export function describeToken(token: ISearchToken): string {
  if (token.kind === 'text') {
    return `“${token.text}”`;
  }
  switch (token.attribute) {
    case 'tags': {
      const tag = token.tag!;
      if (tag.value === null) {
        return `has tag ${tag.key}`;
      }
      return tag.prefix ? `tag ${tag.key} = ${tag.value}…` : `tag ${tag.key} = ${tag.value}`;
    }
    case 'created_by':
      return `by ${token.value}`;
    case 'state':
      return `state ${String(token.value).toLowerCase()}`;
    case 'framework':
      return `framework ${token.value}`;
    case 'name':
      return `name ∋ ${token.value}`;
    default:
      return `${token.field} ${token.value}`;
  }
}
