import { useId, useState, type FormEvent } from 'react';
import type { ColumnMapping, FilePreview, TimestampUnit } from '../../core/ingest/types';
import { savedMappingText } from '../../core/ingest/mapping';
import { downloadText } from '../download';
import { draftFromSuggestion, mappingFromDraft, savedMappingName, type ConversionKind, type Draft } from '../mapping';

interface Props {
  fileName: string;
  preview: FilePreview;
  /** Why the file needs mapping, from the core. */
  message: string;
  disabled: boolean;
  onSubmit: (mapping: ColumnMapping) => void;
  onCancel: () => void;
}

const PREVIEW_ROWS = 8;

const UNITS: { value: TimestampUnit; label: string }[] = [
  { value: 'auto', label: 'detect (seconds, milliseconds or ISO date)' },
  { value: 'seconds', label: 'Unix seconds' },
  { value: 'milliseconds', label: 'Unix milliseconds' },
  { value: 'iso', label: 'ISO date (UTC unless it says otherwise)' },
];

export function MappingView({ fileName, preview, message, disabled, onSubmit, onCancel }: Props) {
  const [draft, setDraft] = useState(() => draftFromSuggestion(preview.suggestedMapping));
  const [problem, setProblem] = useState<string | null>(null);
  const id = useId();
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));

  function submit(event: FormEvent) {
    event.preventDefault();
    const result = mappingFromDraft(draft);
    if (!result.ok) {
      setProblem(result.error);
      return;
    }
    setProblem(null);
    onSubmit(result.mapping);
  }

  /** The file `--mapping FILE` reads, so a scheduled CLI job maps this log the same way. */
  function save() {
    const result = mappingFromDraft(draft);
    if (!result.ok) {
      setProblem(result.error);
      return;
    }
    setProblem(null);
    downloadText(savedMappingText(result.mapping), savedMappingName(preview.innerName ?? fileName), 'application/json');
  }

  const columnSelect = (key: 'user' | 'timestamp' | 'campaign' | 'conversion' | 'cost' | 'click' | 'value', label: string, optional: boolean) => (
    <div className="field">
      <label htmlFor={`${id}-${key}`}>{label}</label>
      <select
        id={`${id}-${key}`}
        data-testid={`mapping-${key}`}
        value={draft[key]}
        onChange={(e) => set(key, e.target.value)}
      >
        <option value="">{optional ? '(none)' : '(choose a column)'}</option>
        {preview.header.map((h) => (
          <option key={h} value={h}>
            {h}
          </option>
        ))}
      </select>
    </div>
  );

  return (
    <section className="panel" data-testid="mapping" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Map the columns of {preview.innerName ?? fileName}</h2>
      <p className="muted">{message}</p>
      <div className="table-scroll">
        <table className="table table--preview" data-testid="mapping-preview">
          <thead>
            <tr>
              {preview.header.map((h) => (
                <th key={h} scope="col">
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {preview.rows.slice(0, PREVIEW_ROWS).map((row, r) => (
              <tr key={r}>
                {preview.header.map((_, c) => (
                  <td key={c}>{row[c] ?? ''}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form className="mapping-form" onSubmit={submit}>
        {columnSelect('user', 'User id', false)}
        {columnSelect('timestamp', 'Event time', false)}
        <div className="field">
          <label htmlFor={`${id}-unit`}>Time is written as</label>
          <select
            id={`${id}-unit`}
            data-testid="mapping-timestamp-unit"
            value={draft.timestampUnit}
            onChange={(e) => set('timestampUnit', e.target.value as TimestampUnit)}
          >
            {UNITS.map((u) => (
              <option key={u.value} value={u.value}>
                {u.label}
              </option>
            ))}
          </select>
        </div>
        {columnSelect('campaign', 'Campaign or channel', false)}
        <div className="field">
          <label htmlFor={`${id}-kind`}>Conversions are marked by</label>
          <select
            id={`${id}-kind`}
            data-testid="mapping-conversion-kind"
            value={draft.conversionKind}
            onChange={(e) => set('conversionKind', e.target.value as ConversionKind)}
          >
            <option value="flag">a 0/1 flag on each touchpoint</option>
            <option value="id">a conversion id on each touchpoint</option>
            <option value="event">conversion rows (an event column with a value)</option>
          </select>
        </div>
        {columnSelect('conversion', draft.conversionKind === 'event' ? 'Event column' : 'Conversion column', false)}
        {draft.conversionKind === 'event' && (
          <>
            <div className="field">
              <label htmlFor={`${id}-value`}>Value that marks a conversion</label>
              <input
                id={`${id}-value`}
                data-testid="mapping-conversion-value"
                value={draft.conversionValue}
                placeholder="purchase"
                onChange={(e) => set('conversionValue', e.target.value)}
              />
            </div>
            <div className="field">
              <label htmlFor={`${id}-lookback`}>Lookback window (days)</label>
              <input
                id={`${id}-lookback`}
                type="number"
                min={1}
                data-testid="mapping-lookback"
                value={draft.lookbackDays}
                onChange={(e) => set('lookbackDays', Number(e.target.value))}
              />
            </div>
          </>
        )}
        {columnSelect('cost', 'Cost (optional)', true)}
        {columnSelect('click', 'Click flag (optional)', true)}
        {columnSelect('value', 'Conversion value, e.g. revenue (optional; gives ROAS)', true)}
        <fieldset className="field field--wide">
          <legend>Other descriptive columns to use as features (optional)</legend>
          <div className="checks">
            {preview.header.map((h) => (
              <label key={h} className="check">
                <input
                  type="checkbox"
                  checked={draft.categories.includes(h)}
                  onChange={(e) =>
                    set('categories', e.target.checked ? [...draft.categories, h] : draft.categories.filter((c) => c !== h))
                  }
                />
                {h}
              </label>
            ))}
          </div>
        </fieldset>
        {problem && (
          <p className="form-problem" role="alert" data-testid="mapping-problem">
            {problem}
          </p>
        )}
        <div className="form-actions">
          <button type="submit" className="button" data-testid="mapping-submit" disabled={disabled}>
            Load with these columns
          </button>
          <button type="button" className="button button--secondary" data-testid="mapping-save" onClick={save}>
            Save mapping
          </button>
          <button type="button" className="button button--secondary" onClick={onCancel} disabled={disabled}>
            Choose another file
          </button>
        </div>
      </form>
    </section>
  );
}
