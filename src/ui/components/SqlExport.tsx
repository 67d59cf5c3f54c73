import { useId, useMemo, useState } from 'react';
import { preparationSql, SQL_DIALECTS, type SqlDialect, type SqlSource } from '../../core/prepare/sql';
import type { PrepareSettings } from '../../core/settings';

interface Props {
  /** The preparation settings of the form: the script picks the same campaigns and journeys for them. */
  settings: PrepareSettings;
}

const DIALECT_LABELS: Record<SqlDialect, string> = { duckdb: 'DuckDB', bigquery: 'BigQuery', spark: 'Spark SQL' };

/**
 * The preparation as SQL for a warehouse (docs/warehouse.md), for the current
 * settings: shown in place or downloaded. Built in the page, nothing is sent.
 */
export function SqlExport({ settings }: Props) {
  const id = useId();
  const [dialect, setDialect] = useState<SqlDialect>('duckdb');
  const [table, setTable] = useState('criteo_attribution_dataset.tsv.gz');
  const [shown, setShown] = useState(false);
  const source: SqlSource = useMemo(() => {
    const name = table.trim() || 'criteo_log';
    // DuckDB reads a file by its name; the others (and DuckDB given a plain name) read a table.
    if (dialect === 'duckdb' && /\.(tsv|csv|parquet)(\.gz)?$/i.test(name)) {
      const format = /\.parquet$/i.test(name) ? 'parquet' : /\.csv(\.gz)?$/i.test(name) ? 'csv' : 'tsv';
      return { kind: 'file', path: name, format };
    }
    return { kind: 'table', name };
  }, [dialect, table]);
  const exported = useMemo(() => preparationSql({ dialect, settings, source }), [dialect, settings, source]);

  const download = () => {
    if (!exported.ok) return;
    const url = URL.createObjectURL(new Blob([exported.sql], { type: 'application/sql' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `prepare-${dialect}.sql`;
    a.click();
    URL.revokeObjectURL(url);
  };

  return (
    <div className="field setting" data-testid="sql-export">
      <span className="label">Prepare in a warehouse</span>
      <div className="checks">
        <select aria-label="SQL dialect" data-testid="sql-dialect" value={dialect} onChange={(e) => setDialect(e.target.value as SqlDialect)}>
          {SQL_DIALECTS.map((d) => (
            <option key={d} value={d}>
              {DIALECT_LABELS[d]}
            </option>
          ))}
        </select>
        <input aria-label="Table or file" id={`${id}-table`} data-testid="sql-table" value={table} onChange={(e) => setTable(e.target.value)} />
        <button type="button" data-testid="sql-show" onClick={() => setShown((s) => !s)}>
          {shown ? 'Hide SQL' : 'Show SQL'}
        </button>
        <button type="button" data-testid="sql-download" disabled={!exported.ok} onClick={download}>
          Download SQL
        </button>
      </div>
      <span className="help">
        The preparation with these settings as one SQL script: the same campaigns and journeys as here for the same seed. Train on its
        output with the command line&apos;s --prepared.
      </span>
      {!exported.ok && (
        <span className="help" role="alert" data-testid="sql-error">
          {exported.error}
        </span>
      )}
      {shown && exported.ok && (
        <pre className="sql" data-testid="sql-text" style={{ maxHeight: '20em', overflow: 'auto' }}>
          {exported.sql}
        </pre>
      )}
    </div>
  );
}
