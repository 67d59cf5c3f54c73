import { useId, useState, type ReactNode } from 'react';
import { NEURAL_MODELS, STEP_LABELS } from '../../core/methods';
import {
  DEFAULT_COUNTERFACTUAL,
  DEFAULT_NO_ADS,
  type Backend,
  type Balancing,
  type CounterfactualSettings,
  type NoAdsScore,
  type RunSettings as Settings,
} from '../../core/settings';
import { parseLimitsFile } from '../../core/recommend/limits';
import type { JobResult } from '../../shared/protocol';
import { SqlExport } from './SqlExport';

interface Props {
  value: Settings;
  disabled: boolean;
  onChange: (next: Settings) => void;
  /** Deletes the trained models kept in this browser; resolves to how many there were. */
  onForgetKeptModels: () => Promise<JobResult<number>>;
  /** The loaded log's campaigns, which a limits file may name. */
  campaignIds?: readonly string[];
}

/** The run's options with the article's defaults, each explained in one line. */
export function RunSettings({ value, disabled, onChange, onForgetKeptModels, campaignIds = [] }: Props) {
  const id = useId();
  const [forgotten, setForgotten] = useState<string | null>(null);
  const [limitsMessage, setLimitsMessage] = useState<string | null>(null);
  const forget = async () => {
    setForgotten('Deleting…');
    const result = await onForgetKeptModels();
    setForgotten(result.ok ? `Deleted ${result.value} kept model${result.value === 1 ? '' : 's'}.` : result.error.message);
  };
  const prepare = (patch: Partial<Settings['prepare']>) => onChange({ ...value, prepare: { ...value.prepare, ...patch } });
  const train = (patch: Partial<Settings['train']>) => onChange({ ...value, train: { ...value.train, ...patch } });
  const campaigns = value.prepare.campaigns.kind === 'count' ? value.prepare.campaigns.count : '';
  const lstmEpochs = value.train.epochs.attention;
  const lstmBatch = value.train.batchSize.attention;
  const cf = value.counterfactual ?? DEFAULT_COUNTERFACTUAL;
  const counterfactual = (patch: Partial<CounterfactualSettings>) => onChange({ ...value, counterfactual: { ...cf, ...patch } });
  const cfCheck = (key: 'markov' | 'modelBased' | 'modelReplay', testId: string, label: string) => (
    <label className="check">
      <input type="checkbox" data-testid={`setting-${testId}`} checked={cf[key]} onChange={(e) => counterfactual({ [key]: e.target.checked })} />
      {label}
    </label>
  );

  const field = (key: string, label: string, help: string, control: ReactNode) => (
    <div className="field setting">
      <label htmlFor={`${id}-${key}`}>{label}</label>
      {control}
      <span className="help" id={`${id}-${key}-help`}>
        {help}
      </span>
    </div>
  );
  const numberInput = (key: string, v: number | string, set: (n: number) => void, min = 1, step = 1) => (
    <input
      id={`${id}-${key}`}
      data-testid={`setting-${key}`}
      aria-describedby={`${id}-${key}-help`}
      type="number"
      min={min}
      step={step}
      value={v}
      disabled={disabled}
      onChange={(e) => {
        const n = Number(e.target.value);
        if (e.target.value !== '' && Number.isFinite(n)) set(n);
      }}
    />
  );

  return (
    <fieldset className="panel settings" data-testid="settings" disabled={disabled}>
      <legend>Run settings</legend>
      {field(
        'campaigns',
        'Campaigns sampled',
        'Campaigns kept at random, as the article keeps 400 of about 700; more than there are keeps all.',
        numberInput('campaigns', campaigns, (n) => prepare({ campaigns: { kind: 'count', count: Math.round(n) } })),
      )}
      {field(
        'min-touchpoints',
        'Fewest touchpoints',
        'Journeys shorter than this are dropped (article: 2).',
        numberInput('min-touchpoints', value.prepare.minTouchpoints, (n) => prepare({ minTouchpoints: Math.round(n) })),
      )}
      {field(
        'max-touchpoints',
        'Most touchpoints',
        'The sequence models read this many touchpoints of a journey, the first ones (article: 15).',
        numberInput('max-touchpoints', value.prepare.maxTouchpoints, (n) => prepare({ maxTouchpoints: Math.round(n) })),
      )}
      {field(
        'balance',
        'Balancing',
        'Unconverted journeys are drawn at random until both classes hold about as many events (article) or journeys.',
        <select
          id={`${id}-balance`}
          data-testid="setting-balance"
          value={value.prepare.balance}
          onChange={(e) => prepare({ balance: e.target.value as Balancing })}
        >
          <option value="events">by events (article)</option>
          <option value="journeys">by journeys</option>
          <option value="none">none</option>
        </select>,
      )}
      {field(
        'epochs',
        'Epochs (LSTMs)',
        'Passes over the training journeys for the LSTM and attention models (article: 5).',
        numberInput('epochs', lstmEpochs, (n) =>
          train({ epochs: { ...value.train.epochs, lstm: Math.round(n), attention: Math.round(n) } }),
        ),
      )}
      {field(
        'epochs-logreg',
        'Epochs (regression)',
        'Passes for the logistic regression (article: 10).',
        numberInput('epochs-logreg', value.train.epochs.logreg, (n) => train({ epochs: { ...value.train.epochs, logreg: Math.round(n) } })),
      )}
      {field(
        'batch-size',
        'Batch size (LSTMs)',
        'Journeys per training step for the LSTMs (article: 64); the regression uses twice this.',
        numberInput('batch-size', lstmBatch, (n) => {
          const b = Math.round(n);
          train({ batchSize: { logreg: 2 * b, lstm: b, attention: b } });
        }),
      )}
      {field(
        'backend',
        'Compute backend',
        'Where the networks train: the best available is WebGPU on a real GPU, else WebAssembly.',
        <select
          id={`${id}-backend`}
          data-testid="setting-backend"
          value={value.train.backend ?? ''}
          onChange={(e) => train({ backend: (e.target.value || undefined) as Backend | undefined })}
        >
          <option value="">best available</option>
          <option value="webgpu">WebGPU</option>
          <option value="webgl">WebGL</option>
          <option value="wasm">WebAssembly</option>
          <option value="cpu">plain JavaScript (slow)</option>
        </select>,
      )}
      {field(
        'seed',
        'Seed',
        'Same seed, same sampling, split and training: a run can be repeated exactly.',
        numberInput(
          'seed',
          value.prepare.seed,
          (n) => onChange({ ...value, prepare: { ...value.prepare, seed: n }, train: { ...value.train, seed: n } }),
          0,
        ),
      )}
      <div className="field setting">
        <span className="label">Models to train</span>
        <div className="checks">
          {NEURAL_MODELS.map((m) => (
            <label key={m} className="check">
              <input
                type="checkbox"
                data-testid={`setting-model-${m}`}
                checked={value.train.models.includes(m)}
                onChange={(e) =>
                  train({
                    models: NEURAL_MODELS.filter((k) =>
                      k === m ? e.target.checked : value.train.models.includes(k),
                    ),
                  })
                }
              />
              {STEP_LABELS[m]}
            </label>
          ))}
        </div>
        <span className="help">Last-touch and the other position rules are always computed; they need no training.</span>
      </div>
      <div className="field setting">
        <span className="label">Counterfactual attribution</span>
        <div className="checks">
          {cfCheck('markov', 'cf-markov', 'Markov removal effect and counting Shapley')}
          {cfCheck('modelBased', 'cf-model', 'Removal effect and Shapley by the attention model')}
          {cfCheck('modelReplay', 'cf-replay', 'Model-judged budget replay')}
        </div>
        <span className="help">
          What each campaign's touchpoints change when taken away. Markov needs no model and uses every journey; the others need the
          attention model and score a sample of the test journeys.
        </span>
      </div>
      <div className="field setting">
        <label className="check">
          <input
            type="checkbox"
            id={`${id}-reuse-models`}
            data-testid="setting-reuse-models"
            aria-describedby={`${id}-reuse-models-help`}
            checked={value.reuseKeptModels !== false}
            disabled={disabled}
            onChange={(e) => onChange({ ...value, reuseKeptModels: e.target.checked })}
          />
          Reuse models kept in this browser
        </label>
        <button type="button" data-testid="forget-models" disabled={disabled} onClick={() => void forget()}>
          Forget kept models
        </button>
        {forgotten && (
          <span className="help" role="status" data-testid="forget-models-status">
            {forgotten}
          </span>
        )}
        <span className="help" id={`${id}-reuse-models-help`}>
          Trained networks are kept in this browser only (IndexedDB) and reused when the same log is run with the same settings, so a
          repeated run skips training.
        </span>
      </div>
      {field(
        'cf-max-journeys',
        'Journeys judged by the model',
        'At most this many test journeys, drawn at random, are scored for the removal effect, Shapley values and model-judged replay: more is steadier and slower.',
        numberInput('cf-max-journeys', cf.maxJourneys, (n) => counterfactual({ maxJourneys: Math.max(1, Math.round(n)) })),
      )}
      {field(
        'cf-no-ads',
        'A journey with no ads',
        'What the model-judged methods (removal, Shapley, replay, recommendation) take a journey stripped of every touchpoint to be worth: no conversion (article), or the model\'s score for that user with no ads (user attributes only; an extrapolation, since the log holds no unexposed user).',
        <select
          id={`${id}-cf-no-ads`}
          data-testid="setting-cf-no-ads"
          value={cf.noAds ?? DEFAULT_NO_ADS}
          onChange={(e) => counterfactual({ noAds: e.target.value as NoAdsScore })}
        >
          <option value="zero">converts with probability 0 (article)</option>
          <option value="model">the model&apos;s score for the user (experts)</option>
        </select>,
      )}
      <LimitsFields
        id={id}
        limits={cf.limits}
        campaignIds={campaignIds}
        disabled={disabled}
        message={limitsMessage}
        onMessage={setLimitsMessage}
        onChange={(limits) => counterfactual({ limits })}
      />
      <SqlExport settings={value.prepare} />
    </fieldset>
  );
}

interface LimitsProps {
  id: string;
  limits: CounterfactualSettings['limits'];
  campaignIds: readonly string[];
  disabled: boolean;
  message: string | null;
  onMessage: (message: string | null) => void;
  onChange: (limits: CounterfactualSettings['limits']) => void;
}

/**
 * The recommendation's limits (issue 13): the largest change per campaign as
 * a percentage of today's amount, and a limits file with a floor and a
 * ceiling per campaign. A bad file changes nothing and says why.
 */
function LimitsFields({ id, limits, campaignIds, disabled, message, onMessage, onChange }: LimitsProps) {
  const floors = Object.keys(limits?.floor ?? {}).length;
  const ceilings = Object.keys(limits?.ceiling ?? {}).length;
  const [capText, setCapText] = useState(limits?.maxChange !== undefined ? String(Math.round(limits.maxChange * 1000) / 10) : '');
  const set = (patch: Partial<NonNullable<CounterfactualSettings['limits']>>) => {
    const next = { ...limits, ...patch };
    for (const key of Object.keys(next) as (keyof typeof next)[]) if (next[key] === undefined) delete next[key];
    onChange(Object.keys(next).length > 0 ? next : undefined);
  };
  const open = async (file: File | undefined) => {
    if (!file) return;
    const parsed = parseLimitsFile(await file.text(), campaignIds);
    if (!parsed.ok) {
      onMessage(parsed.reason);
      return;
    }
    onMessage(null);
    set({ floor: parsed.limits.floor, ceiling: parsed.limits.ceiling });
  };
  return (
    <div className="field setting" data-testid="setting-limits">
      <label htmlFor={`${id}-max-change`}>Largest change per campaign (%)</label>
      <input
        id={`${id}-max-change`}
        data-testid="setting-max-change"
        aria-describedby={`${id}-limits-help`}
        type="number"
        min={0}
        step="any"
        placeholder="no limit"
        value={capText}
        disabled={disabled}
        onChange={(e) => {
          setCapText(e.target.value);
          const n = Number(e.target.value);
          if (e.target.value === '') set({ maxChange: undefined });
          else if (Number.isFinite(n) && n >= 0) set({ maxChange: n / 100 });
        }}
      />
      <label htmlFor={`${id}-limits-file`}>Floors and ceilings (CSV: campaign id,floor,ceiling)</label>
      <input
        id={`${id}-limits-file`}
        data-testid="limits-file-input"
        type="file"
        accept=".csv,text/csv"
        disabled={disabled}
        onChange={(e) => {
          void open(e.target.files?.[0]);
          e.target.value = '';
        }}
      />
      {(floors > 0 || ceilings > 0) && (
        <span className="help" role="status" data-testid="limits-status">
          {floors} floor{floors === 1 ? '' : 's'} and {ceilings} ceiling{ceilings === 1 ? '' : 's'} set.{' '}
          <button type="button" data-testid="limits-clear" disabled={disabled} onClick={() => set({ floor: undefined, ceiling: undefined })}>
            Clear floors and ceilings
          </button>
        </span>
      )}
      {message && (
        <span className="form-problem" role="alert" data-testid="limits-message">
          {message} Nothing was changed.
        </span>
      )}
      <span className="help" id={`${id}-limits-help`}>
        Limits the recommendation honours, in the budget&apos;s unit: no campaign moves more than this share of today&apos;s amount, and none goes below its
        floor or above its ceiling. Blank: no limit.
      </span>
    </div>
  );
}
