import { formatCount } from '../format';

/** A count shown with thousands separators; automation reads the raw value from `data-value`. */
export function Num({ value, testId }: { value: number; testId?: string }) {
  return (
    <span className="num" data-value={value} data-testid={testId}>
      {formatCount(value)}
    </span>
  );
}
