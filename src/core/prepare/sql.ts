/**
 * The preparation (campaign sampling, minimum touchpoints, balancing, split,
 * scaled features) as one SQL script for DuckDB, BigQuery or Spark SQL, so a
 * log too big for a browser can be prepared where it lives. It picks the same
 * campaigns and journeys as `prepareJourneys` for the same settings: both rank
 * by the seeded hash of `./hash.ts`, which this file spells out in each
 * engine's integer operators. docs/warehouse.md says how to run it.
 *
 * Output: one row per prepared touchpoint (PREPARED_COLUMNS), every touchpoint
 * of a kept journey (the cut to `maxTouchpoints` is the models' business, as
 * in the app), ordered by journey and step. The category columns the app
 * would take as user attributes (user-attributes.ts: constant per user over
 * the whole log, or mapped as such) are named on every row in
 * `user_attributes`; their cells hold the value as it is, for the reader to
 * count per journey.
 */
import type { PrepareSettings } from '../settings';
import { MODEL_CATEGORY_COLUMNS } from '../table';
import { HASH_SALT, hashStart, type HashPurpose } from './hash';
import { sampledCampaignCount } from '.';

export type SqlDialect = 'duckdb' | 'bigquery' | 'spark';
export const SQL_DIALECTS: readonly SqlDialect[] = ['duckdb', 'bigquery', 'spark'];

/** Where the log's columns are: the Criteo names unless a mapping renames them. */
export interface SqlColumns {
  timestamp: string;
  /** How `timestamp` is written: seconds (Criteo), epoch milliseconds, or an ISO date-time (read as UTC). */
  timestampUnit: 'seconds' | 'milliseconds' | 'iso';
  user: string;
  campaign: string;
  /** The journey's conversion id; Criteo's conversion_id. */
  conversionId: string;
  /** Which ids mean "no conversion": Criteo writes -1; other logs also leave it empty or write 0. */
  noConversion: 'minus-one' | 'zero-or-minus-one';
  /** 0/1 flag; absent: a row converted when it has a conversion id. */
  conversion?: string;
  click?: string;
  cost?: string;
  /** Seconds since the user's last click, -1 if none; absent: computed from the clicks. */
  timeSinceLastClick?: string;
  /** The category columns the models read. */
  categories: string[];
  /**
   * Category columns an own log's mapping names as user attributes: taken as
   * such even where they vary (the app's rule). The other categories are
   * taken when constant per user over the whole log.
   */
  userAttributes?: string[];
}

export const CRITEO_SQL_COLUMNS: SqlColumns = {
  timestamp: 'timestamp',
  timestampUnit: 'seconds',
  user: 'uid',
  campaign: 'campaign',
  conversionId: 'conversion_id',
  noConversion: 'minus-one',
  conversion: 'conversion',
  click: 'click',
  cost: 'cost',
  timeSinceLastClick: 'time_since_last_click',
  categories: [...MODEL_CATEGORY_COLUMNS],
};

export type SqlSource =
  | { kind: 'table'; name: string }
  | { kind: 'file'; path: string; format: 'csv' | 'tsv' | 'parquet' };

export interface SqlExportOptions {
  dialect: SqlDialect;
  settings: PrepareSettings;
  source: SqlSource;
  columns?: SqlColumns;
  /** Write the result here (DuckDB: a .csv or .parquet file; BigQuery, Spark: a table) instead of returning rows. */
  output?: string;
}

/** The columns of the prepared file, before the category columns (`cat_<name>`) and after them. */
export const PREPARED_COLUMNS = {
  head: ['journey_id', 'user_id', 'conversion_id', 'step', 'timestamp', 'campaign', 'click', 'cost', 'time_since_last_click', 'cost_scaled', 'time_since_last_click_scaled', 'timestamp_scaled'],
  tail: ['label', 'split', 'negative_sampling_rate', 'user_attributes'],
} as const;

/** Columns of PREPARED_COLUMNS a reader does without (files exported before they were added). */
export const OPTIONAL_PREPARED_COLUMNS: readonly string[] = ['user_attributes'];

/** First line of every script: the settings it was made for, so a prepared file can be checked against a command. */
export const SETTINGS_MARKER = '-- attribution-lab prepare settings: ';

export type SqlExport = { ok: true; sql: string } | { ok: false; error: string };

const MULTIPLIER = 0x45d9f3b;
const TWO_32 = 4294967296;

interface Dialect {
  ident(name: string): string;
  int: string;
  float: string;
  text: string;
  source(source: SqlSource): string | null;
  epochFromIso(expr: string): string;
  /** `settings` is the script's first line, written beside a DuckDB output file as OUTPUT.settings. */
  write(query: string, output: string, settings: string): string;
}

const DIALECTS: Record<SqlDialect, Dialect> = {
  duckdb: {
    ident: (n) => `"${n.replace(/"/g, '""')}"`,
    int: 'BIGINT',
    float: 'DOUBLE',
    text: 'VARCHAR',
    source: (s) => {
      if (s.kind === 'table') return s.name;
      const path = stringLiteral(s.path);
      if (s.format === 'parquet') return `read_parquet(${path})`;
      return `read_csv(${path}, header = true, delim = '${s.format === 'tsv' ? '\\t' : ','}')`;
    },
    epochFromIso: (e) => `epoch(CAST(${e} AS TIMESTAMP))`,
    write: (query, output, settings) =>
      // A Parquet file also carries the settings line in its key-value metadata (the app reads it from there).
      `COPY (\n${query}\n) TO ${stringLiteral(output)} (FORMAT ${
        output.toLowerCase().endsWith('.parquet') ? `parquet, KV_METADATA {attribution_lab_settings: ${stringLiteral(settings)}}` : 'csv, HEADER true'
      });\n` +
      // The settings line as it is (no quoting), for `--prepared FILE` to check against a command's flags.
      `COPY (SELECT ${stringLiteral(settings)} AS line) TO ${stringLiteral(`${output}.settings`)} (FORMAT csv, HEADER false, QUOTE '', DELIMITER '\t');`,
  },
  bigquery: {
    ident: (n) => `\`${n.replace(/`/g, '')}\``,
    int: 'INT64',
    float: 'FLOAT64',
    text: 'STRING',
    // BigQuery reads tables; files are loaded (or made an external table) first.
    source: (s) => (s.kind === 'table' ? s.name : null),
    epochFromIso: (e) => `UNIX_MICROS(TIMESTAMP(${e})) / 1e6`,
    write: (query, output) => `CREATE OR REPLACE TABLE ${output} AS\n${query};`,
  },
  spark: {
    ident: (n) => `\`${n.replace(/`/g, '')}\``,
    int: 'BIGINT',
    float: 'DOUBLE',
    text: 'STRING',
    source: (s) => {
      if (s.kind === 'table') return s.name;
      return s.format === 'parquet' ? `parquet.\`${s.path}\`` : null;
    },
    epochFromIso: (e) => `unix_micros(to_timestamp(${e})) / 1e6`,
    write: (query, output) => `CREATE TABLE ${output} USING parquet AS\n${query};`,
  },
};

function stringLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** A double literal every engine reads as a double (a bare 0.2 is a DECIMAL in DuckDB and Spark). */
function float(d: Dialect, value: number): string {
  return `CAST(${String(value)} AS ${d.float})`;
}

/**
 * Hash layers over `from`: each adds columns, none repeats an expression more
 * than four times, so the text stays linear in the number of ids (mix written
 * as one nested expression would grow exponentially). Returns the CTEs and
 * the name of the last one, which has a `<prefix>_rank_key` column.
 */
function rankKeyLayers(d: Dialect, prefix: string, from: string, ids: string[], seed: number, purpose: HashPurpose): { ctes: string[]; last: string } {
  const salt = HASH_SALT[purpose];
  const starts = [hashStart(seed, salt), hashStart(seed, (salt + 1) >>> 0)];
  // Division of an integer by a power of two is exact in a double below 2^53; every value here is below 2^33.
  const shift = (x: string, power: number) => `CAST(FLOOR(${x} / ${power}) AS ${d.int})`;
  const mod32 = (x: string) => `MOD(${x}, ${TWO_32})`;
  const spread = (x: string) => mod32(`${x} + ${shift(x, 65536)}`);
  const half = (x: string) => mod32(`${spread(x)} * ${MULTIPLIER}`);
  const wrap = (x: string) => mod32(`${mod32(x)} + ${TWO_32}`);
  const words = ids.flatMap((id) => [wrap(id), wrap(shift(id, TWO_32))]);
  const ctes: string[] = [];
  let prev = from;
  let layer = 0;
  let cols = starts.map((s) => String(s));
  let finished = true;
  for (const word of words) {
    // The previous word's last step (spread) folds into this word's first layer.
    const a = cols.map((c) => half(mod32(`${finished ? c : spread(c)} + ${word}`)));
    const name = `${prefix}_${++layer}`;
    ctes.push(`${name} AS (SELECT *, ${a.map((e, i) => `${e} AS ${prefix}_a${layer}_${i}`).join(', ')} FROM ${prev})`);
    prev = name;
    const b = a.map((_, i) => half(`${prefix}_a${layer}_${i}`));
    const next = `${prefix}_${++layer}`;
    ctes.push(`${next} AS (SELECT *, ${b.map((e, i) => `${e} AS ${prefix}_b${layer}_${i}`).join(', ')} FROM ${prev})`);
    prev = next;
    cols = b.map((_, i) => `${prefix}_b${layer}_${i}`);
    finished = false;
  }
  const name = `${prefix}_ranked`;
  ctes.push(`${name} AS (SELECT *, ${spread(cols[0])} * 2097152 + ${shift(spread(cols[1]), 2048)} AS ${prefix}_rank_key FROM ${prev})`);
  return { ctes, last: name };
}

/** The settings as the script's first line records them. */
export function settingsLine(settings: PrepareSettings): string {
  return SETTINGS_MARKER + JSON.stringify(settings);
}

/** Reads the settings back from a script's (or a prepared file's) first line; null when it has none. */
export function parseSettingsLine(line: string): PrepareSettings | null {
  if (!line.startsWith(SETTINGS_MARKER)) return null;
  try {
    return JSON.parse(line.slice(SETTINGS_MARKER.length)) as PrepareSettings;
  } catch {
    return null;
  }
}

/** The preparation as one SQL script for `options.dialect`. */
export function preparationSql(options: SqlExportOptions): SqlExport {
  const { settings } = options;
  const d = DIALECTS[options.dialect];
  const cols = options.columns ?? CRITEO_SQL_COLUMNS;
  const from = d.source(options.source);
  if (from === null) {
    return {
      ok: false,
      error:
        options.dialect === 'bigquery'
          ? 'BigQuery reads a table: load the file first and pass --table DATASET.TABLE.'
          : 'Spark reads Parquet files directly; for CSV make a table first and pass --table NAME.',
    };
  }
  const q = d.ident;
  const num = (name: string | undefined, fallback: string, type = d.float) => (name ? `CAST(${q(name)} AS ${type})` : fallback);

  const time =
    cols.timestampUnit === 'iso'
      ? d.epochFromIso(`CAST(${q(cols.timestamp)} AS ${d.text})`)
      : cols.timestampUnit === 'milliseconds'
        ? `CAST(${q(cols.timestamp)} AS ${d.float}) / 1000`
        : `CAST(${q(cols.timestamp)} AS ${d.float})`;
  const conversionId = `COALESCE(CAST(NULLIF(CAST(${q(cols.conversionId)} AS ${d.text}), '') AS ${d.int}), -1)`;
  const converted = cols.conversion ? `CAST(${q(cols.conversion)} AS ${d.int})` : null;
  const categories = cols.categories.map((c, i) => `CAST(${q(c)} AS ${d.text}) AS c_${i}`);
  // Without a flag column, a row converted when it has a conversion id.
  const hasId = cols.noConversion === 'minus-one' ? 'raw_conversion_id <> -1' : 'raw_conversion_id NOT IN (-1, 0)';
  const keyColumns = `CAST(${q(cols.user)} AS ${d.int}) AS user_id, ${conversionId} AS raw_conversion_id, CAST(${q(cols.campaign)} AS ${d.int}) AS campaign`;
  const journeyKeys = `CASE WHEN ${hasId} THEN raw_conversion_id ELSE -1 END AS conversion_id, ${converted ? 'flag' : `CASE WHEN ${hasId} THEN 1 ELSE 0 END`} AS converted`;
  // The log is read four times, each time for only the columns that pass needs, and never held
  // as a whole: campaigns (one column), journeys (the ids), the user attribute check (the user
  // and the category columns, grouped by user), then the full rows of the chosen journeys only.
  // (A CTE over the whole log read by several passes is materialised by engines such as DuckDB:
  // every column of every row, spilled to disk at 100 M rows.) The check in the journeys pass
  // instead (per-journey MIN/MAX, reduced per user) was slower and held more: that aggregate,
  // read by two parts of the query, is materialised (docs/warehouse.md).
  const ctes: string[] = [];

  // -- Campaign sampling: the campaigns with the lowest rank keys.
  ctes.push(`campaigns AS (SELECT CAST(${q(cols.campaign)} AS ${d.int}) AS campaign FROM ${from} GROUP BY CAST(${q(cols.campaign)} AS ${d.int}))`);
  const campaignHash = rankKeyLayers(d, 'ch', 'campaigns', ['campaign'], settings.seed, 'campaigns');
  ctes.push(...campaignHash.ctes);
  ctes.push(
    `campaign_rank AS (SELECT campaign, ROW_NUMBER() OVER (ORDER BY ch_rank_key, campaign) AS campaign_rank, COUNT(*) OVER () AS present FROM ${campaignHash.last})`,
  );
  ctes.push(`kept_campaigns AS (SELECT campaign FROM campaign_rank WHERE campaign_rank <= ${keepCountSql(d, settings)})`);

  // -- Journeys, in one pass over the ids: label from all their rows, length from the kept campaigns' rows, then the minimum.
  ctes.push(
    `journey_keys AS (SELECT user_id, campaign, ${journeyKeys} ` +
      `FROM (SELECT ${keyColumns}${converted ? `, ${converted} AS flag` : ''} FROM ${from}) s)`,
  );
  ctes.push(
    `eligible AS (SELECT r.user_id, r.conversion_id, COUNT(k.campaign) AS touchpoints, MAX(r.converted) AS label FROM journey_keys r ` +
      `LEFT JOIN kept_campaigns k ON r.campaign = k.campaign ` +
      `GROUP BY r.user_id, r.conversion_id HAVING COUNT(k.campaign) >= ${Math.max(1, settings.minTouchpoints)})`,
  );
  // -- User attributes (user-attributes.ts): per user, the smallest and largest value and the count
  // of values of each category column that may be one (constant per user over the whole log; a
  // missing value is a value of its own), then over all users one row of flags. A pass of its own
  // over the user and those columns, as the engine reads them (not cast to text: cheaper to compare).
  const mapped = new Set((cols.userAttributes ?? []).map((n) => n.toLowerCase()));
  const checked = cols.categories.map((c, i) => [c, i] as const).filter(([c]) => !mapped.has(c.toLowerCase())).map(([, i]) => i);
  ctes.push(
    `user_values AS (SELECT CAST(${q(cols.user)} AS ${d.int}) AS user_id, COUNT(*) AS log_rows` +
      checked.map((i) => `, MIN(${q(cols.categories[i])}) AS lo_${i}, MAX(${q(cols.categories[i])}) AS hi_${i}, COUNT(${q(cols.categories[i])}) AS nn_${i}`).join('') +
      ` FROM ${from} GROUP BY CAST(${q(cols.user)} AS ${d.int}))`,
  );
  // 1 where column i is a user attribute: mapped as one, or (when some user has two rows) constant
  // for every user: all its rows missing, or none missing and the smallest value the largest.
  const constant = (i: number) => `CASE WHEN nn_${i} = 0 OR (nn_${i} = log_rows AND lo_${i} = hi_${i}) THEN 1 ELSE 0 END`;
  const flag = (i: number) =>
    mapped.has(cols.categories[i].toLowerCase())
      ? `1 AS ua_${i}`
      : `CASE WHEN MAX(log_rows) >= 2 AND MIN(${constant(i)}) = 1 THEN 1 ELSE 0 END AS ua_${i}`;
  ctes.push(`user_attribute_flags AS (SELECT COUNT(*) AS users${cols.categories.map((_, i) => `, ${flag(i)}`).join('')} FROM user_values)`);
  // Their names, comma-separated in the categories' order ('' when none).
  const names = cols.categories.map((c, i) => `CASE WHEN ua_${i} = 1 THEN ${stringLiteral(`,${c}`)} ELSE '' END`);
  ctes.push(`user_attribute_names AS (SELECT *, SUBSTR(CONCAT(''${names.map((n) => `, ${n}`).join('')}), 2) AS user_attributes FROM user_attribute_flags)`);

  // -- Balancing: every converted journey, plus unconverted ones in rank-key order.
  ctes.push(
    `negatives AS (SELECT user_id, conversion_id, touchpoints, ` +
      `(SELECT COALESCE(SUM(touchpoints), 0) FROM eligible WHERE label = 1) AS positive_events, ` +
      `(SELECT COUNT(*) FROM eligible WHERE label = 1) AS positive_journeys FROM eligible WHERE label = 0)`,
  );
  const balanceHash = rankKeyLayers(d, 'bh', 'negatives', ['user_id', 'conversion_id'], settings.seed, 'balance');
  ctes.push(...balanceHash.ctes);
  const order = 'ORDER BY bh_rank_key, user_id, conversion_id';
  ctes.push(
    `negative_rank AS (SELECT user_id, conversion_id, positive_events, positive_journeys, ROW_NUMBER() OVER (${order}) AS negative_rank, ` +
      // The order is unique (rank key, then ids), so the default frame ends at this row: minus its own touchpoints.
      `SUM(touchpoints) OVER (${order}) - touchpoints AS events_before FROM ${balanceHash.last})`,
  );
  const keepNegative =
    settings.balance === 'none' ? '1 = 1' : settings.balance === 'journeys' ? 'negative_rank <= positive_journeys' : 'events_before < positive_events';
  ctes.push(
    `chosen AS (SELECT user_id, conversion_id, 1 AS label FROM eligible WHERE label = 1 ` +
      `UNION ALL SELECT user_id, conversion_id, 0 AS label FROM negative_rank WHERE ${keepNegative})`,
  );

  // -- Split: the lowest rank keys are test, the next validation, the rest train.
  const splitHash = rankKeyLayers(d, 'sh', 'chosen', ['user_id', 'conversion_id'], settings.seed, 'split');
  ctes.push(...splitHash.ctes);
  ctes.push(
    `split_rank AS (SELECT user_id, conversion_id, label, ROW_NUMBER() OVER (ORDER BY sh_rank_key, user_id, conversion_id) AS split_rank, ` +
      `FLOOR(COUNT(*) OVER () * ${float(d, settings.testShare)} + 0.5) AS test_count, COUNT(*) OVER () AS journey_count FROM ${splitHash.last})`,
  );
  ctes.push(
    `journeys AS (SELECT user_id, conversion_id, label, CASE WHEN split_rank <= test_count THEN 'test' ` +
      `WHEN split_rank <= test_count + FLOOR((journey_count - test_count) * ${float(d, settings.validationShare)} + 0.5) THEN 'validation' ELSE 'train' END AS split FROM split_rank)`,
  );

  // -- Touchpoints of the chosen journeys, in time order, and their features: the full rows, read
  // only now, and only for the chosen journeys (or, to compute the gap, their users) on kept campaigns.
  ctes.push(
    `src AS (SELECT ${time} AS ts, ${keyColumns}, ${num(cols.click, '0', d.int)} AS click, ${num(cols.cost, '0')} AS cost, ` +
      `${num(cols.timeSinceLastClick, 'NULL')} AS logged_gap${converted ? `, ${converted} AS flag` : ''}${categories.map((c) => `, ${c}`).join('')} FROM ${from})`,
  );
  ctes.push(`rows_in AS (SELECT *, ${journeyKeys} FROM src)`);
  if (cols.timeSinceLastClick) {
    ctes.push(`with_gap AS (SELECT *, logged_gap AS gap FROM rows_in)`);
  } else {
    // Seconds since the user's previous clicked touchpoint (any journey, any campaign), -1 if none:
    // a window per user, so only the users of chosen journeys need it. (LAG rather than a window
    // frame, which some engines' parsers lack.)
    const byTime = 'PARTITION BY user_id ORDER BY ts, campaign, click, cost';
    ctes.push(`chosen_users AS (SELECT DISTINCT user_id FROM journeys)`);
    ctes.push(`user_rows AS (SELECT r.* FROM rows_in r JOIN chosen_users u ON r.user_id = u.user_id)`);
    ctes.push(`clicks_so_far AS (SELECT *, MAX(CASE WHEN click = 1 THEN ts END) OVER (${byTime}) AS last_click FROM user_rows)`);
    ctes.push(`with_gap AS (SELECT *, COALESCE(ts - LAG(last_click) OVER (${byTime}), -1) AS gap FROM clicks_so_far)`);
  }
  ctes.push(
    `touchpoints AS (SELECT r.*, j.label, j.split, ` +
      `ROW_NUMBER() OVER (PARTITION BY r.user_id, r.conversion_id ORDER BY r.ts, r.campaign, r.click, r.cost) - 1 AS step ` +
      `FROM with_gap r JOIN journeys j ON r.user_id = j.user_id AND r.conversion_id = j.conversion_id ` +
      `JOIN kept_campaigns k ON r.campaign = k.campaign)`,
  );
  ctes.push(
    `ranges AS (SELECT GREATEST(MAX(cost), 0) AS max_cost, GREATEST(MAX(gap), 0) AS max_gap, MIN(ts) AS min_ts, MAX(ts) AS max_ts, ` +
      // Share of the eligible unconverted journeys that balancing kept (1 when there were none): the models' prior correction.
      `COALESCE((SELECT COUNT(*) FROM chosen WHERE label = 0) / NULLIF((SELECT COUNT(*) FROM eligible WHERE label = 0), 0), 1) AS negative_rate FROM touchpoints)`,
  );
  const categoryCounts = cols.categories.map((_, i) => `COUNT(*) OVER (PARTITION BY c_${i}) AS n_${i}`);
  ctes.push(`counted AS (SELECT *${categoryCounts.map((c) => `, ${c}`).join('')} FROM touchpoints)`);

  const text = (e: string) => `CAST(${e} AS ${d.text})`;
  const select = [
    `CONCAT(${text('t.user_id')}, '_', ${text('t.conversion_id')}) AS journey_id`,
    't.user_id AS user_id',
    't.conversion_id AS conversion_id',
    't.step AS step',
    `t.ts AS ${q('timestamp')}`,
    't.campaign AS campaign',
    't.click AS click',
    't.cost AS cost',
    't.gap AS time_since_last_click',
    'CASE WHEN r.max_cost > 0 THEN t.cost / r.max_cost ELSE 0 END AS cost_scaled',
    'CASE WHEN t.gap > 0 AND r.max_gap > 0 THEN t.gap / r.max_gap ELSE 0 END AS time_since_last_click_scaled',
    'CASE WHEN r.max_ts > r.min_ts THEN (t.ts - r.min_ts) / (r.max_ts - r.min_ts) ELSE 0 END AS timestamp_scaled',
    // Values seen in fewer prepared touchpoints than the minimum share one "other" value: NULL.
    // A user attribute's value as it is: the reader counts it per journey, as the app does.
    ...cols.categories.map((c, i) => `CASE WHEN u.ua_${i} = 1 OR t.n_${i} >= ${settings.minCategoryCount} THEN t.c_${i} END AS ${q(`cat_${c}`)}`),
    't.label AS label',
    't.split AS split',
    'r.negative_rate AS negative_sampling_rate',
    'u.user_attributes AS user_attributes',
  ];
  const query =
    `WITH\n${ctes.map((c) => `  ${c}`).join(',\n')}\n` +
    `SELECT\n  ${select.join(',\n  ')}\nFROM counted t CROSS JOIN ranges r CROSS JOIN user_attribute_names u\nORDER BY t.user_id, t.conversion_id, t.step`;
  const header = [
    settingsLine(settings),
    `-- Generated by \`attribution-lab export-sql --dialect ${options.dialect}\`: the app's preparation, one row per prepared touchpoint.`,
    '-- Campaigns, unconverted journeys and the split are ranked by a seeded hash of the ids (docs/warehouse.md).',
  ].join('\n');
  const body = options.output ? d.write(query, options.output, settingsLine(settings)) : `${query};`;
  return { ok: true, sql: `${header}\n${body}\n` };
}

/** How many campaigns to keep, as SQL over `present` (mirrors sampledCampaignCount). */
function keepCountSql(d: Dialect, settings: PrepareSettings): string {
  const s = settings.campaigns;
  switch (s.kind) {
    case 'all':
      return 'present';
    case 'count':
      return `LEAST(present, ${sampledCampaignCount(s, Number.MAX_SAFE_INTEGER)})`;
    case 'fraction':
      return `LEAST(present, GREATEST(1, FLOOR(${float(d, s.fraction)} * present + 0.5)))`;
  }
}
