import { CHANNEL_FILE_COLUMNS, hasChannels, type CampaignLabels } from '../../core/channels';

interface Props {
  labels: CampaignLabels | null;
  source: string | null;
  message: string | null;
  disabled: boolean;
  /** Columns of the log that can group campaigns (an own log's channel column, Criteo's cat1..cat9). */
  columns: readonly string[];
  onColumn: (column: string) => void;
  onFile: (file: File) => void;
  onClear: () => void;
}

/** Names campaigns and groups them into channels from a small CSV the user opens (issue 14). */
export function ChannelsPanel({ labels, source, message, disabled, columns, onColumn, onFile, onClear }: Props) {
  const named = labels ? Object.keys(labels).length : 0;
  const channels = labels ? new Set(Object.values(labels).map((l) => l.channel).filter((c) => c !== '')).size : 0;
  return (
    <section className="panel channels" aria-labelledby="channels-title">
      <h2 id="channels-title">Campaign names and channels</h2>
      <p className="muted">
        A CSV with the header <code>{CHANNEL_FILE_COLUMNS.join(',')}</code> names campaigns and groups them into channels; a channel&apos;s amount is the sum of its
        campaigns&apos;. It stays in this tab.
      </p>
      <div className="channels__actions">
        <label className={`button button--secondary${disabled ? ' button--disabled' : ''}`}>
          Open channel file…
          <input
            className="visually-hidden"
            type="file"
            accept=".csv,text/csv"
            data-testid="channel-file-input"
            disabled={disabled}
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = '';
              if (file) onFile(file);
            }}
          />
        </label>
        {columns.length > 0 && (
          <label>
            or group by a column of the log{' '}
            <select
              data-testid="channel-column"
              value=""
              disabled={disabled}
              onChange={(e) => {
                if (e.target.value) onColumn(e.target.value);
              }}
            >
              <option value="">choose…</option>
              {columns.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </label>
        )}
        {labels && (
          <button type="button" className="button button--secondary" data-testid="channel-clear" onClick={onClear}>
            Forget names
          </button>
        )}
        <span role="status" data-testid="channel-status" data-named={named} data-channels={channels}>
          {labels ? `${named} campaigns named${hasChannels(labels) ? ` in ${channels} channels` : ''} from ${source}.` : 'Campaigns are shown by id.'}
        </span>
      </div>
      {message && (
        <p className="form-problem" role="alert" data-testid="channel-message">
          {message} Nothing was changed.
        </p>
      )}
    </section>
  );
}
