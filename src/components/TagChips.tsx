import React, { useState } from 'react';

import { parseTag } from '../search';

/** How a tag is written everywhere it is shown: `key=value` (as in `tag:key=value`). */
export function tagText(key: string, value: string): string {
  return value === '' ? key : `${key}=${value}`;
}

/**
 * Freeform tags as chips, at most `max` then "+N". With `onPick`, a chip is a button that
 * filters the list by its tag.
 */
export function TagChips(props: {
  tags: Record<string, string>;
  max?: number;
  onPick?: (key: string, value: string) => void;
}): JSX.Element {
  const entries = Object.entries(props.tags || {});
  const max = props.max ?? entries.length;
  const shown = entries.slice(0, max);
  const { onPick } = props;
  return (
    <span className="mc-TagChips">
      {shown.map(([key, value]) =>
        onPick ? (
          <button
            key={key}
            className="mc-Chip mc-Chip-filter"
            title={`Show models tagged ${tagText(key, value)}`}
            tabIndex={-1}
            onClick={event => {
              event.stopPropagation(); // the row must not open
              onPick(key, value);
            }}
          >
            <span className="mc-Chip-key">{key}</span>
            {value !== '' && <span className="mc-Chip-value">{value}</span>}
          </button>
        ) : (
          <span key={key} className="mc-Chip" title={tagText(key, value)}>
            <span className="mc-Chip-key">{key}</span>
            {value !== '' && <span className="mc-Chip-value">{value}</span>}
          </span>
        )
      )}
      {entries.length > max && (
        <span
          className="mc-Chip mc-Chip-more"
          title={entries
            .slice(max)
            .map(([k, v]) => tagText(k, v))
            .join('\n')}
        >
          +{entries.length - max}
        </span>
      )}
    </span>
  );
}

/**
 * An editor of tag chips; a tag is typed `key=value`, `key:value` or `tag:key=value`. Typing a tag and pressing Enter, Tab, comma or space adds
 * it when valid; invalid text says why as you type. Backspace in the empty input removes
 * the last chip.
 */
export function TagEditor(props: {
  tags: Record<string, string>;
  onChange: (tags: Record<string, string>) => void;
  /** Told whether uncommitted text in the input is invalid (so a form can block saving). */
  onPendingError?: (error: string | null) => void;
  autoFocus?: boolean;
}): JSX.Element {
  const [text, setText] = useState('');
  const trimmed = text.trim();
  const parsed = trimmed ? parseTag(trimmed) : null;
  const error = parsed && 'error' in parsed ? parsed.error : null;

  const setPending = (value: string) => {
    setText(value);
    const check = value.trim() ? parseTag(value.trim()) : null;
    props.onPendingError?.(check && 'error' in check ? check.error : null);
  };

  const commit = (): boolean => {
    if (!parsed || 'error' in parsed) {
      return false;
    }
    props.onChange({ ...props.tags, [parsed.key]: parsed.value });
    setPending('');
    return true;
  };

  const remove = (key: string) => {
    const next = { ...props.tags };
    delete next[key];
    props.onChange(next);
  };

  return (
    <div className="mc-TagEditor">
      <div className={`mc-TagEditor-box${error ? ' mc-mod-invalid' : ''}`}>
        {Object.entries(props.tags).map(([key, value]) => (
          <span key={key} className="mc-Chip mc-Chip-editable">
            <span className="mc-Chip-key">{key}</span>
            {value !== '' && <span className="mc-Chip-value">{value}</span>}
            <button
              className="mc-Chip-remove"
              aria-label={`Remove tag ${key}`}
              title={`Remove ${tagText(key, value)}`}
              onClick={() => remove(key)}
            >
              ×
            </button>
          </span>
        ))}
        <input
          className="mc-TagEditor-input"
          value={text}
          autoFocus={props.autoFocus}
          placeholder={
            Object.keys(props.tags).length ? 'add key=value' : 'key=value, e.g. version=3'
          }
          aria-label="Add a tag (key=value)"
          aria-invalid={Boolean(error)}
          onChange={event => {
            const value = event.target.value;
            // A comma or a space after a valid tag commits it.
            if (/[,\s]$/.test(value) && value.trim()) {
              const candidate = parseTag(value.trim().replace(/,$/, ''));
              if (!('error' in candidate)) {
                props.onChange({ ...props.tags, [candidate.key]: candidate.value });
                setPending('');
                return;
              }
            }
            setPending(value);
          }}
          onKeyDown={event => {
            if ((event.key === 'Enter' || event.key === 'Tab') && trimmed) {
              if (commit() || event.key === 'Enter') {
                event.preventDefault();
                event.stopPropagation();
              }
            } else if (event.key === 'Backspace' && text === '') {
              const keys = Object.keys(props.tags);
              if (keys.length) {
                remove(keys[keys.length - 1]);
              }
            }
          }}
          onBlur={() => {
            commit();
          }}
        />
      </div>
      {error && (
        <div className="mc-FieldError" role="alert">
          {error}
        </div>
      )}
    </div>
  );
}
