import { ISignal } from '@lumino/signaling';
import { useEffect, useReducer } from 'react';

/** Re-render the calling component whenever `model.changed` fires. */
export function useModelChanges(model: { changed: ISignal<any, any> }): void {
  const [, bump] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    const onChange = () => bump();
    model.changed.connect(onChange);
    return () => {
      model.changed.disconnect(onChange);
    };
  }, [model]);
}
