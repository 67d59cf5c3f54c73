/**
 * A chart's numbers as a table (issue 14: every chart has a table view),
 * folded under the chart so it costs no space until asked for; screen
 * readers and keyboards reach it like any disclosure.
 */
interface Props {
  /** What the table holds, e.g. "Loss per epoch". */
  caption: string;
  /** Column headings; the first column names the row. */
  columns: string[];
  /** One array per row: the row's name, then its cells (numbers are shown in the browser's locale by `format`). */
  rows: (string | number)[][];
  format?: (v: number) => string;
  testId?: string;
}

export function ChartTable({ caption, columns, rows, format = String, testId }: Props) {
  return (
    <details className="chart-table" data-testid={testId}>
      <summary>Table view</summary>
      <div className="table-scroll table-scroll--tall">
        <table className="table">
          <caption className="visually-hidden">{caption}</caption>
          <thead>
            <tr>
              {columns.map((c, i) => (
                <th key={c} scope="col" className={i ? 'num-col' : undefined}>
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={i}>
                {r.map((cell, j) =>
                  j === 0 ? (
                    <th key={j} scope="row">
                      {typeof cell === 'number' ? format(cell) : cell}
                    </th>
                  ) : (
                    <td key={j} className="num-col">
                      {typeof cell === 'number' ? format(cell) : cell}
                    </td>
                  ),
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}
