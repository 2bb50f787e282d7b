import React from 'react';

import { exactTime, relativeTime } from '../format';
import { describeChange, newestFirst } from '../history';
import { ModelDetailsModel } from '../model';

/** Past tense of each action, as the list shows it. */
const ACTION_LABEL: Record<string, string> = {
  saved: 'saved',
  edited: 'edited',
  activated: 'activated',
  deactivated: 'deactivated',
  deleted: 'deleted'
};

/**
 * "History": who changed the model, when and what, newest first. Absent when the catalog
 * keeps no history (its capabilities say so), rather than an empty promise.
 */
export function HistorySection(props: { model: ModelDetailsModel }): JSX.Element | null {
  const { model } = props;
  const records = model.history;
  if (records === null) {
    return null;
  }
  const all = model.historyOfAllVersions;
  return (
    <section className="mc-Section mc-History" aria-label="History">
      <h3>History</h3>
      <label className="mc-History-scope">
        <input
          type="checkbox"
          checked={all}
          onChange={event => void model.showHistoryOfAllVersions(event.currentTarget.checked)}
        />{' '}
        All versions
      </label>
      {records.length === 0 ? (
        <p className="mc-mod-empty">
          No recorded changes: this model was saved before the catalog kept a history.
        </p>
      ) : (
        <ol className="mc-History-list">
          {newestFirst(records).map(record => (
            <li key={record.sequence} className={`mc-History-item mc-History-${record.action}`}>
              <span className="mc-History-when" title={exactTime(record.at)}>
                {relativeTime(record.at)}
              </span>{' '}
              <span className="mc-History-who">{record.actor}</span>{' '}
              <span className="mc-History-action">
                {ACTION_LABEL[record.action] ?? record.action}
              </span>
              {all && <span className="mc-Badge">v{record.version}</span>}
              {describeChange(record) && (
                <div className="mc-History-what mc-Dim">{describeChange(record)}</div>
              )}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
