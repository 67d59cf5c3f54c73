import type { RefObject } from 'react';
import { savePng, saveSvg } from '../download';

/** Save buttons for the chart inside `target`. */
export function ChartActions({ target, name }: { target: RefObject<HTMLElement | null>; name: string }) {
  return (
    <span className="chart-actions">
      <button
        type="button"
        className="button button--small button--secondary"
        data-testid={`save-svg-${name}`}
        onClick={() => target.current && saveSvg(target.current, name)}
      >
        SVG
      </button>
      <button
        type="button"
        className="button button--small button--secondary"
        data-testid={`save-png-${name}`}
        onClick={() => target.current && void savePng(target.current, name)}
      >
        PNG
      </button>
    </span>
  );
}
