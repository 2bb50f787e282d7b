import React, { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';

export interface IVirtualListProps<T> {
  items: readonly T[];
  rowHeight: number;
  /** Rows rendered above and below the visible window. */
  overscan?: number;
  renderRow: (item: T, index: number) => React.ReactNode;
  itemKey: (item: T) => string;
  /** Called when the visible window comes within `threshold` rows of the end. */
  onNearEnd?: () => void;
  threshold?: number;
  /** Rendered after the last row (e.g. "loading more…"), inside the scroller. */
  footer?: React.ReactNode;
  className?: string;
  ariaLabel?: string;
  /** The row keyboard navigation is on: kept in view, announced as the active option. */
  activeIndex?: number;
  activeId?: string;
  onKeyDown?: (event: React.KeyboardEvent<HTMLDivElement>) => void;
}

/**
 * A windowed list of fixed-height rows: only the rows in view (plus a margin) are in the
 * DOM, so 100,000 rows cost what 30 do. Rows are absolutely positioned in a spacer as
 * tall as the whole list. The list is a listbox and one Tab stop; the parent moves
 * `activeIndex` with the keys and the list scrolls to keep that row in view.
 */
export function VirtualList<T>(props: IVirtualListProps<T>): JSX.Element {
  const { items, rowHeight, overscan = 6, renderRow, itemKey, onNearEnd, threshold = 30 } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);

  useLayoutEffect(() => {
    const node = scroller.current;
    if (!node) {
      return;
    }
    setHeight(node.clientHeight || 600);
    if (typeof ResizeObserver === 'undefined') {
      return;
    }
    const observer = new ResizeObserver(() => setHeight(node.clientHeight || 600));
    observer.observe(node);
    return () => observer.disconnect();
  }, []);

  const onScroll = useCallback((event: React.UIEvent<HTMLDivElement>) => {
    setScrollTop(event.currentTarget.scrollTop);
  }, []);

  const { activeIndex } = props;
  useEffect(() => {
    const node = scroller.current;
    if (!node || activeIndex === undefined) {
      return;
    }
    const top = activeIndex * rowHeight;
    if (top < node.scrollTop) {
      node.scrollTop = top;
    } else if (top + rowHeight > node.scrollTop + node.clientHeight) {
      node.scrollTop = top + rowHeight - node.clientHeight;
    }
  }, [activeIndex, rowHeight]);

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(items.length, Math.ceil((scrollTop + height) / rowHeight) + overscan);

  useEffect(() => {
    if (onNearEnd && items.length > 0 && last >= items.length - threshold) {
      onNearEnd();
    }
  }, [last, items.length, onNearEnd, threshold]);

  const rows: React.ReactNode[] = [];
  for (let index = first; index < last; index++) {
    const item = items[index];
    rows.push(
      <div
        key={itemKey(item)}
        className="mc-VirtualList-row"
        style={{ top: index * rowHeight, height: rowHeight }}
        role="none"
      >
        {renderRow(item, index)}
      </div>
    );
  }

  return (
    <div
      ref={scroller}
      className={`mc-VirtualList ${props.className ?? ''}`}
      onScroll={onScroll}
      role="listbox"
      tabIndex={0}
      aria-label={props.ariaLabel}
      aria-activedescendant={props.activeId}
      onKeyDown={props.onKeyDown}
    >
      <div className="mc-VirtualList-spacer" style={{ height: items.length * rowHeight }}>
        {rows}
      </div>
      {props.footer}
    </div>
  );
}
