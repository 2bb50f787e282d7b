import React from 'react';

import { IUserError } from '../errors';

/**
 * What a view shows instead of its content when it cannot get it: the problem and what to
 * do, in the user's terms, with a way to try again. (Actions report failures as
 * notifications; a view that has nothing to show says so in place.)
 */
export function ErrorState(props: {
  failure: IUserError;
  onRetry?: () => void;
  className?: string;
}): JSX.Element {
  const { failure } = props;
  return (
    <div className={`mc-ErrorState ${props.className ?? ''}`} role="alert">
      <p className="mc-ErrorState-message">{failure.message}</p>
      {failure.hint && <p className="mc-ErrorState-hint">{failure.hint}</p>}
      {props.onRetry && (
        <button className="jp-Button jp-mod-styled jp-mod-accept" onClick={props.onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}
