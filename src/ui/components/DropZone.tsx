import { useRef, useState, type DragEvent } from 'react';

export const ACCEPTED_FILES = '.tsv,.csv,.gz,.zip,.txt';
/** The SQL export's output and the settings file the DuckDB script writes beside it. */
export const PREPARED_FILES = '.csv,.parquet,.settings';

interface Props {
  disabled: boolean;
  onFile: (file: File) => void;
  onDemo: () => void;
  /** A prepared file from the SQL export (with its .settings file), picked instead of a log. */
  onPrepared?: (files: File[]) => void;
}

export function DropZone({ disabled, onFile, onDemo, onPrepared }: Props) {
  const [over, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  function onDragOver(event: DragEvent) {
    // Without preventDefault the browser refuses the drop and opens the file instead.
    event.preventDefault();
    if (!disabled) setOver(true);
  }
  function onDrop(event: DragEvent) {
    event.preventDefault();
    setOver(false);
    const file = event.dataTransfer.files[0];
    if (file && !disabled) onFile(file);
  }

  return (
    <section
      className={`drop-zone${over ? ' drop-zone--over' : ''}`}
      data-testid="drop-zone"
      aria-label="Load an impression log"
      onDragOver={onDragOver}
      onDragEnter={onDragOver}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <p className="drop-zone__lead">Drop an impression log here</p>
      <p className="muted">
        The Criteo attribution log (criteo_attribution_dataset.tsv.gz) or your own export as .tsv, .csv, .txt,
        .gz or .zip. The file is read in this tab and never uploaded.
      </p>
      <div className="drop-zone__actions">
        <label className={`button${disabled ? ' button--disabled' : ''}`}>
          Choose a file…
          <input
            ref={input}
            className="visually-hidden"
            type="file"
            accept={ACCEPTED_FILES}
            data-testid="file-input"
            disabled={disabled}
            onChange={(event) => {
              const file = event.target.files?.[0];
              // Cleared so that picking the same file again still fires a change.
              event.target.value = '';
              if (file) onFile(file);
            }}
          />
        </label>
        <span className="muted">or</span>
        <button type="button" className="button button--secondary" data-testid="load-demo" disabled={disabled} onClick={onDemo}>
          Load demo data
        </button>
      </div>
      {onPrepared && (
        <p className="muted">
          Prepared the journeys in a warehouse with the SQL export?{' '}
          <label className={`button button--secondary${disabled ? ' button--disabled' : ''}`}>
            Open a prepared file (from the SQL export)…
            <input
              className="visually-hidden"
              type="file"
              multiple
              accept={PREPARED_FILES}
              data-testid="prepared-input"
              disabled={disabled}
              onChange={(event) => {
                const files = Array.from(event.target.files ?? []);
                event.target.value = '';
                if (files.length > 0) onPrepared(files);
              }}
            />
          </label>{' '}
          .csv or .parquet, with its .settings file if the export wrote one: the run goes straight to the models.
        </p>
      )}
    </section>
  );
}
