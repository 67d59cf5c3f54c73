/** What the user can do next, per core error code: the core's message says what went wrong, this says what to try. */
import type { WorkerError } from '../shared/protocol';

const NEXT_STEP: Record<string, string> = {
  empty: 'Choose a file that has a header row and data rows.',
  'header-only': 'The file has only a header. Choose the full export.',
  'missing-columns': 'Check that the file is the Criteo log, or map its columns yourself.',
  'duplicate-columns': 'Rename the repeated column in the header and load the file again.',
  'wrong-delimiter': 'Save the file as tab- or comma-separated text and try again.',
  'bad-value': 'Fix or remove the row named above, then load the file again.',
  'too-many-bad-rows': 'Check that the file is complete and not another table; the first bad rows are named above.',
  'truncated-gzip': 'The download looks unfinished. Download the file again and retry.',
  'zip-no-table': 'Put a .tsv, .csv or .txt table inside the archive, or unzip it and drop the table.',
  binary: 'Choose a text table (.tsv, .csv, .txt), optionally as .gz or .zip.',
  html: 'This looks like a web page saved under a table name. Download the raw data file and drop that.',
  'line-too-long': 'Check that the file is line-separated text (one row per line).',
  'bad-mapping': 'Pick a different column for the role named above.',
  'too-large': 'Try a smaller extract of the log, or close other tabs to free memory.',
  'read-error': 'The browser could not read the file. Pick it again from disk.',
  'worker-stopped': 'Try again; if it stops again, try fewer campaigns, shorter journeys or a smaller file.',
  'backend-failed': 'Try fewer campaigns, shorter journeys or a smaller batch size, or pick another backend.',
};

const FALLBACK = 'Check the file and try again, or load the demo data to see the app work.';

export function nextStep(error: WorkerError): string {
  return (error.code && NEXT_STEP[error.code]) || FALLBACK;
}
