/**
 * Synthetic Criteo-schema impression logs with a planted truth: which
 * campaigns cause conversions, by how much, and which only look good to
 * last-touch. The model is stated in `describeModel` and in the README.
 *
 * Rows are generated one user at a time and merged by time through a heap
 * of users with touchpoints still to write, so a 16.5 M-row file streams
 * out with only the currently active users in memory.
 */
import { createRng, type Rng } from '../random';
import { CRITEO_COLUMNS } from '../table';
import { ByteWriter, asciiBytes } from './bytes';
import { JourneyScratch, journeyLogit, logitWithout, plantedModel, sigmoid, type PlantedModel } from './planted';
import type { WorldRecorder } from './oracle';
import type { CampaignRole, CampaignTruth, ResolvedSynthOptions, SynthCounts, SynthOptions, SynthTruth, WorldParams } from './types';

const DAY = 86_400;
/** The Criteo log spans 31 days. */
const CRITEO_DURATION = 31 * DAY;

export const SYNTH_DEFAULTS = {
  meanJourneyLength: 3,
  durationSeconds: CRITEO_DURATION,
  baseLogOdds: -3.4,
} as const;

/**
 * "Load demo data": about 155 k rows (~22 MB of text), 40 campaigns, about
 * 3,600 converted journeys of 2 or more touchpoints and about 9 k journeys
 * once balanced by events, so the default run (all campaigns, min 2
 * touchpoints) trains the three models in about a minute on a 2-core CPU.
 */
export const DEMO_SYNTH_OPTIONS: SynthOptions = {
  seed: 20_240_531,
  users: 50_000,
  campaigns: 40,
  meanJourneyLength: 3,
  durationSeconds: CRITEO_DURATION,
  baseLogOdds: -3.4,
};

/**
 * The demo's planted model as world parameters: a world that leaves them all
 * as they are writes exactly the demo generator's bytes.
 */
export const DEMO_WORLD: WorldParams = {
  dose: 'log2',
  saturation: 2,
  decayHalfLifeDays: 0,
  clickLift: 1,
  interaction: false,
  causalShare: 0.4,
  lateShare: 0.15,
  lateTargeting: 2.5,
  segmentNoise: 0.8,
  propensity: 'segment',
  journeyLengths: 'demo',
};

// The generating model's constants, named so the description can quote them.
const MODEL = {
  /** Causal effects per exposure on the log-odds, spread over this range. */
  effectMin: 0.1,
  effectMax: 0.9,
  /** Scale of the user's latent propensity on the log-odds (propensity ~ N(0, 1)). */
  propensityScale: 1,
  segments: 8,
  /** Chance that a touchpoint comes from the journey's focus campaigns (retargeting repeats campaigns). */
  focusShare: 0.75,
  /** Share of journeys drawn from the short geometric; the rest come from the long tail. */
  shortShare: 0.8,
  /** Late campaigns: chance = lateFloor + lateLift * sigmoid(lateTargeting * (propensity - lateCenter)). */
  lateFloor: 0.03,
  lateLift: 0.7,
  lateCenter: 0.8,
  /** Heavy-tailed journey lengths: share of single-impression journeys, and the log-normal of the rest. */
  singleShare: 0.72,
  tailLogMean: 1.3,
  tailLogSd: 1.4,
  /** Chance that a user comes back for another journey after converting. */
  returnChance: 0.35,
  /** A journey stops adding touchpoints this long after it started (Criteo counts conversions within 30 days). */
  maxJourneySpan: 25 * DAY,
  maxJourneyLength: 400,
  /** Mean gap within a session, between sessions, before a late touchpoint, and before the conversion. */
  sessionGap: 3600,
  visitGap: 1.5 * DAY,
  sessionShare: 0.6,
  lateGap: 2 * 3600,
  conversionDelay: DAY,
  returnGap: 3 * DAY,
};

const ROW_CHUNK_BYTES = 256 * 1024;

type Validated = { ok: true; options: ResolvedSynthOptions } | { ok: false; error: string };

const DOSE_RULES = ['log2', 'once', 'linear', 'saturating'];

/** One line naming the first world parameter out of range, or null. */
function checkWorld(w: WorldParams): string | null {
  const known = new Set(Object.keys(DEMO_WORLD));
  for (const key of Object.keys(w)) if (!known.has(key)) return `Unknown world parameter "${key}".`;
  if (!DOSE_RULES.includes(w.dose)) return `The dose rule must be one of ${DOSE_RULES.join(', ')}.`;
  if (!(w.saturation > 0 && w.saturation <= 1000)) return 'The saturation must be above 0 and at most 1,000 exposures.';
  if (!(w.decayHalfLifeDays >= 0 && w.decayHalfLifeDays <= 365)) return 'The decay half-life must be 0 (none) to 365 days.';
  if (!(w.clickLift >= 0 && w.clickLift <= 100)) return 'The click lift must be between 0 and 100.';
  if (typeof w.interaction !== 'boolean') return 'interaction must be true or false.';
  if (!(w.causalShare >= 0 && w.lateShare >= 0 && w.causalShare + w.lateShare <= 1)) {
    return 'The causal and late shares must be 0 or more and add up to at most 1.';
  }
  if (!(w.lateTargeting >= 0 && w.lateTargeting <= 100)) return 'The late targeting strength must be between 0 and 100.';
  if (!(w.segmentNoise >= 0 && w.segmentNoise <= 100)) return 'The segment noise must be between 0 and 100.';
  if (w.propensity !== 'segment' && w.propensity !== 'hidden') return 'The propensity must be "segment" or "hidden".';
  if (w.journeyLengths !== 'demo' && w.journeyLengths !== 'heavy-tail') return 'The journey lengths must be "demo" or "heavy-tail".';
  return null;
}

/** Fills in defaults and checks ranges; errors are one line for the user (CLI flags, UI). */
export function resolveSynthOptions(options: SynthOptions): Validated {
  const o: ResolvedSynthOptions = {
    seed: options.seed,
    users: options.users,
    campaigns: options.campaigns,
    meanJourneyLength: options.meanJourneyLength ?? SYNTH_DEFAULTS.meanJourneyLength,
    durationSeconds: options.durationSeconds ?? SYNTH_DEFAULTS.durationSeconds,
    baseLogOdds: options.baseLogOdds ?? SYNTH_DEFAULTS.baseLogOdds,
  };
  if (options.world) {
    o.world = { ...DEMO_WORLD, ...options.world };
    const problem = checkWorld(o.world);
    if (problem) return { ok: false, error: problem };
  }
  if (!Number.isFinite(o.seed)) return { ok: false, error: 'The seed must be a number.' };
  if (!Number.isInteger(o.users) || o.users < 1 || o.users > 2 ** 30) {
    return { ok: false, error: 'The number of users must be a whole number from 1 to about a billion.' };
  }
  if (!Number.isInteger(o.campaigns) || o.campaigns < 3 || o.campaigns > 100_000) {
    return { ok: false, error: 'The number of campaigns must be a whole number from 3 to 100,000 (one of each role).' };
  }
  if (!(o.meanJourneyLength >= 1 && o.meanJourneyLength <= 50)) {
    return { ok: false, error: 'The mean journey length must be between 1 and 50 touchpoints.' };
  }
  if (!(o.durationSeconds >= DAY && o.durationSeconds <= 10 * 365 * DAY)) {
    return { ok: false, error: 'The log must span between 1 day and 10 years (in seconds).' };
  }
  if (!(o.baseLogOdds >= -15 && o.baseLogOdds <= 5)) {
    return { ok: false, error: 'The base log-odds of conversion must be between -15 and 5.' };
  }
  return { ok: true, options: o };
}

function exponential(rng: Rng, mean: number): number {
  return -mean * Math.log(1 - rng.next());
}

/** Geometric on 1, 2, 3, ... with the given mean. */
function geometric(rng: Rng, mean: number): number {
  if (mean <= 1) return 1;
  return 1 + Math.floor(Math.log(1 - rng.next()) / Math.log(1 - 1 / mean));
}

/** A bijection on `bits`-bit integers (xorshift-multiply), so ids are unique yet look random like Criteo's. */
function scrambler(bits: number, rng: Rng): (x: number) => number {
  const mask = bits >= 32 ? 0xffffffff : (1 << bits) - 1;
  const m1 = (rng.int(1 << 30) * 2 + 1) & mask;
  const m2 = (rng.int(1 << 30) * 2 + 1) & mask;
  const offset = rng.int(mask >>> 1) & mask;
  const half = bits >> 1;
  return (x: number) => {
    let v = (x + offset) & mask;
    v = (v ^ (v >>> half)) & mask;
    v = Math.imul(v, m1) & mask;
    v = (v ^ (v >>> half)) & mask;
    v = Math.imul(v, m2) & mask;
    v = (v ^ (v >>> half)) & mask;
    return v >>> 0;
  };
}

/** `count` distinct ids in Criteo's range (7-8 digits). */
function idPool(rng: Rng, count: number, taken: Set<number>): string[] {
  const ids: string[] = [];
  while (ids.length < count) {
    const id = 1_000_000 + rng.int(31_000_000);
    if (taken.has(id)) continue;
    taken.add(id);
    ids.push(String(id));
  }
  return ids;
}

/** Draws an index with probability proportional to its weight (cumulative weights, binary search). */
function weightedPicker(weights: number[]): (rng: Rng) => number {
  const cumulative = new Float64Array(weights.length);
  let total = 0;
  for (let i = 0; i < weights.length; i++) {
    total += weights[i];
    cumulative[i] = total;
  }
  return (rng) => {
    const x = rng.next() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
}

/** Zipf-like weights so a few values of a noise column are common and most are rare. */
function zipfWeights(n: number): number[] {
  return Array.from({ length: n }, (_, i) => 1 / (i + 1));
}

interface World {
  params: WorldParams;
  roles: CampaignRole[];
  effects: Float64Array;
  model: PlantedModel;
  ctr: Float64Array;
  baseCost: Float64Array;
  cpo: Float64Array;
  campaignIds: string[];
  campaignBytes: Uint8Array[];
  pickRegular: (rng: Rng) => number;
  pickLate: (rng: Rng) => number;
  /** cat3: one advertiser-like value per campaign, shared by several campaigns. */
  advertiser: Uint32Array;
  /** cat4: each campaign has a few ad formats of its own. */
  formats: Uint32Array[];
  /** cat8: a campaign's usual placement, mostly. */
  placement: Uint32Array;
  pools: Uint8Array[][];
  pickers: ((rng: Rng) => number)[];
  uid: (seq: number) => number;
  conversionIdOf: (n: number) => number;
}

/** Category pools, by column: cat1 segments, then the rest. Sizes chosen to look like ad/site features. */
const POOL_SIZES = { cat1: MODEL.segments, cat2: 30, cat3: 0, cat4: 0, cat5: 20, cat6: 60, cat7: 2000, cat8: 12, cat9: 150 };

function buildWorld(o: ResolvedSynthOptions): World {
  const params = o.world ?? DEMO_WORLD;
  const rng = createRng(o.seed).fork('world');
  const n = o.campaigns;
  const lateCount = Math.min(n - 1, Math.max(1, Math.round(params.lateShare * n)));
  const causalCount = Math.min(n - lateCount, Math.max(1, Math.round(params.causalShare * n)));
  const roles: CampaignRole[] = Array.from({ length: n }, (_, i) =>
    i < causalCount ? 'causal' : i < causalCount + lateCount ? 'late' : 'inert',
  );
  rng.shuffle(roles);

  const effects = new Float64Array(n);
  const causal = roles.map((r, i) => (r === 'causal' ? i : -1)).filter((i) => i >= 0);
  // Evenly spaced effect sizes (shuffled) so every run has small, medium and large causes.
  const ladder = causal.map((_, k) =>
    causal.length === 1 ? MODEL.effectMax : MODEL.effectMin + ((MODEL.effectMax - MODEL.effectMin) * k) / (causal.length - 1),
  );
  rng.shuffle(ladder);
  causal.forEach((c, k) => (effects[c] = ladder[k]));

  const popularity = Array.from({ length: n }, () => Math.exp(rng.normal()));
  const ctr = new Float64Array(n);
  const baseCost = new Float64Array(n);
  const cpo = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    // Retargeting (late) campaigns get clicked more, as they reach users already in the market.
    ctr[c] = Math.min(0.2, 0.03 * Math.exp(0.5 * rng.normal()) * (roles[c] === 'late' ? 2 : 1));
    baseCost[c] = 0.01 * Math.exp(1.2 * rng.normal());
    cpo[c] = 0.4 * Math.exp(0.8 * rng.normal());
  }
  const regularWeights = popularity.map((w, c) => (roles[c] === 'late' ? 0 : w));
  const lateWeights = popularity.map((w, c) => (roles[c] === 'late' ? w : 0));

  const taken = new Set<number>();
  const campaignIds = idPool(rng, n, taken);
  const advertiserCount = Math.max(2, Math.round(n / 3));
  const pools = [
    idPool(rng, POOL_SIZES.cat1, taken),
    idPool(rng, POOL_SIZES.cat2, taken),
    idPool(rng, advertiserCount, taken),
    idPool(rng, 3 * n, taken),
    idPool(rng, POOL_SIZES.cat5, taken),
    idPool(rng, POOL_SIZES.cat6, taken),
    idPool(rng, POOL_SIZES.cat7, taken),
    idPool(rng, POOL_SIZES.cat8, taken),
    idPool(rng, POOL_SIZES.cat9, taken),
  ];
  const advertiser = Uint32Array.from({ length: n }, () => rng.int(advertiserCount));
  const formats = Array.from({ length: n }, (_, c) => Uint32Array.of(3 * c, 3 * c + 1, 3 * c + 2));
  const placement = Uint32Array.from({ length: n }, () => rng.int(POOL_SIZES.cat8));
  const pickers = pools.map((p) => weightedPicker(zipfWeights(p.length)));

  // Interaction: the strongest cause works only after the most popular other regular campaign was seen.
  let trigger = -1;
  let dependent = -1;
  if (params.interaction) {
    for (let c = 0; c < n; c++) if (roles[c] === 'causal' && (dependent < 0 || effects[c] > effects[dependent])) dependent = c;
    for (let c = 0; c < n; c++) {
      if (c !== dependent && roles[c] !== 'late' && (trigger < 0 || popularity[c] > popularity[trigger])) trigger = c;
    }
  }

  // Criteo uids reach ~32 M (25 bits); bigger logs need more bits to stay unique.
  const uidBits = Math.max(25, Math.ceil(Math.log2(o.users + 1)));
  return {
    params,
    roles,
    effects,
    model: plantedModel(effects, params, trigger, dependent),
    ctr,
    baseCost,
    cpo,
    campaignIds,
    campaignBytes: campaignIds.map(asciiBytes),
    pickRegular: weightedPicker(regularWeights),
    pickLate: weightedPicker(lateWeights),
    advertiser,
    formats,
    placement,
    pools: pools.map((p) => p.map(asciiBytes)),
    pickers,
    uid: scrambler(Math.min(31, uidBits), rng),
    conversionIdOf: scrambler(Math.min(31, uidBits + 1), rng),
  };
}

/** One user's rows, in time order, waiting in the merge heap: row k is bytes[offsets[k]..offsets[k+1]). */
interface PendingUser {
  seq: number;
  times: Float64Array;
  bytes: Uint8Array;
  offsets: Uint32Array;
  next: number;
}

/** Running totals that become the truth. */
interface Tally {
  impressions: Float64Array;
  removalLoss: Float64Array;
  lastTouchCredits: Float64Array;
  rows: number;
  users: number;
  journeys: number;
  convertedJourneys: number;
  clicks: number;
  expectedConversions: number;
}

function newTally(campaigns: number): Tally {
  return {
    impressions: new Float64Array(campaigns),
    removalLoss: new Float64Array(campaigns),
    lastTouchCredits: new Float64Array(campaigns),
    rows: 0,
    users: 0,
    journeys: 0,
    convertedJourneys: 0,
    clicks: 0,
    expectedConversions: 0,
  };
}

interface Simulator {
  /**
   * Generates user `seq`'s whole history from `arrival`. With `out`, formats
   * its rows there and returns them ready for the merge; without, only counts.
   */
  user(seq: number, arrival: number, out: ByteWriter | null): PendingUser | null;
  tally: Tally;
}

function makeSimulator(o: ResolvedSynthOptions, world: World, rng: Rng, recorder?: WorldRecorder): Simulator {
  const tally = newTally(o.campaigns);
  const params = world.params;
  // Clicks that carry an effect must be known before the conversion is drawn; otherwise they are drawn after it (the demo's order).
  const clicksFirst = params.clickLift !== 1;
  const heavyTail = params.journeyLengths === 'heavy-tail';
  const L = o.meanJourneyLength;
  const shortMean = Math.max(1, 0.6 * L);
  const longMean = Math.max(1, (L - MODEL.shortShare * shortMean) / (1 - MODEL.shortShare));
  const end = o.durationSeconds;
  const segmentEdges = [-1.5, -0.9, -0.45, 0, 0.45, 0.9, 1.5].map((e) => e * Math.sqrt(1 + params.segmentNoise ** 2));
  let conversions = 0;

  // Scratch buffers for one journey, grown on demand.
  let cap = 64;
  let tTime = new Float64Array(cap);
  let tCampaign = new Int32Array(cap);
  let tClick = new Uint8Array(cap);
  let tCost = new Float64Array(cap);
  const grow = (): void => {
    cap *= 2;
    const a = new Float64Array(cap);
    a.set(tTime);
    tTime = a;
    const b = new Int32Array(cap);
    b.set(tCampaign);
    tCampaign = b;
    tClick = new Uint8Array(cap);
    tCost = new Float64Array(cap);
  };
  const scratch = new JourneyScratch(o.campaigns);
  const drawClicks = (n: number, clickiness: number): number => {
    let clicks = 0;
    for (let k = 0; k < n; k++) {
      tClick[k] = rng.next() < Math.min(0.5, world.ctr[tCampaign[k]] * clickiness) ? 1 : 0;
      clicks += tClick[k];
    }
    return clicks;
  };

  const rowTimes: number[] = [];
  const rowEnds: number[] = [];
  const user = (seq: number, arrival: number, out: ByteWriter | null): PendingUser | null => {
    rowTimes.length = 0;
    rowEnds.length = 0;
    if (out) out.pos = 0;
    const propensity = rng.normal();
    // Hidden: the segment is drawn from noise of the same spread, so it says nothing about the propensity.
    const signal =
      params.propensity === 'hidden'
        ? Math.sqrt(1 + params.segmentNoise ** 2) * rng.normal()
        : propensity + params.segmentNoise * rng.normal();
    let segment = 0;
    while (segment < segmentEdges.length && signal > segmentEdges[segment]) segment++;
    const region = world.pickers[4](rng);
    const clickiness = Math.exp(0.25 * propensity);
    const lateChance = MODEL.lateFloor + MODEL.lateLift * sigmoid(params.lateTargeting * (propensity - MODEL.lateCenter));
    const uid = world.uid(seq);
    const userBase = o.baseLogOdds + MODEL.propensityScale * propensity;
    let lastClick = -1;
    let t = arrival;
    let userRows = 0;

    while (t < end) {
      // Build the journey's touchpoints: regular ones, then perhaps late ones at the end.
      const regular = Math.min(
        MODEL.maxJourneyLength,
        heavyTail
          ? rng.next() < MODEL.singleShare
            ? 1
            : 2 + Math.floor(Math.exp(MODEL.tailLogMean + MODEL.tailLogSd * rng.normal()))
          : rng.next() < MODEL.shortShare
            ? geometric(rng, shortMean)
            : geometric(rng, longMean),
      );
      // Long journeys come in denser visits, so a tail of hundreds fits in the journey span.
      const visitGap = heavyTail ? MODEL.visitGap * Math.min(1, 8 / regular) : MODEL.visitGap;
      const focusCount = 1 + (rng.next() < 0.4 ? 1 : 0) + (rng.next() < 0.15 ? 1 : 0);
      const focus = [world.pickRegular(rng), world.pickRegular(rng), world.pickRegular(rng)];
      const lateCount = rng.next() < lateChance ? 1 + (rng.next() < 0.3 ? 1 : 0) : 0;
      const start = t;
      let n = 0;
      let time = t;
      for (let k = 0; k < regular + lateCount; k++) {
        if (k > 0) {
          const gap = k >= regular ? exponential(rng, MODEL.lateGap) : rng.next() < MODEL.sessionShare ? exponential(rng, MODEL.sessionGap) : exponential(rng, visitGap);
          time += Math.max(1, Math.round(gap));
        }
        const campaign = k >= regular ? world.pickLate(rng) : rng.next() < MODEL.focusShare ? focus[rng.int(focusCount)] : world.pickRegular(rng);
        // Draw the rest even for dropped touchpoints, so the stream does not depend on the cut.
        if (time >= end || time - start > MODEL.maxJourneySpan) continue;
        if (n === cap) grow();
        tTime[n] = time;
        tCampaign[n] = campaign;
        n++;
      }
      if (n === 0) break;

      let clicks = clicksFirst ? drawClicks(n, clickiness) : 0;
      const model = world.model;
      const logit = journeyLogit(model, userBase, tTime, tCampaign, tClick, 0, n, tTime[n - 1], scratch);
      const pAll = sigmoid(logit);
      tally.expectedConversions += pAll;
      for (let k = 0; k < n; k++) tally.impressions[tCampaign[k]]++;
      for (let i = 0; i < scratch.count; i++) {
        const c = scratch.touched[i];
        if (scratch.contribution[c] !== 0 || c === model.trigger) tally.removalLoss[c] += pAll - sigmoid(logitWithout(model, logit, scratch, c));
      }
      const converted = rng.next() < pAll;
      if (!clicksFirst) clicks = drawClicks(n, clickiness);
      let conversionTime = -1;
      let conversionId = -1;
      let lastClickIndex = -1;
      if (converted) {
        conversionTime = tTime[n - 1] + Math.max(1, Math.round(Math.min(exponential(rng, MODEL.conversionDelay), 29 * DAY)));
        conversionId = world.conversionIdOf(conversions++);
        tally.convertedJourneys++;
        tally.lastTouchCredits[tCampaign[n - 1]]++;
        for (let k = 0; k < n; k++) if (tClick[k]) lastClickIndex = k;
      }
      tally.journeys++;
      tally.rows += n;
      tally.clicks += clicks;
      userRows += n;

      let clickPos = 0;
      for (let k = 0; k < n; k++) {
        const c = tCampaign[k];
        const clicked = tClick[k] === 1;
        const sinceClick = lastClick < 0 ? -1 : tTime[k] - lastClick;
        // Price and features are drawn for every row, formatted or not, to keep the stream aligned.
        const cost = Math.max(1e-5, Math.min(2, world.baseCost[c] * Math.exp(0.6 * rng.normal())));
        tCost[k] = cost;
        const cpo = world.cpo[c] * Math.exp(0.1 * rng.normal());
        const cat2 = world.pickers[1](rng);
        const cat4 = world.formats[c][rng.int(3)];
        const cat6 = world.pickers[5](rng);
        const cat7 = world.pickers[6](rng);
        const cat8 = rng.next() < 0.7 ? world.placement[c] : world.pickers[7](rng);
        const cat9 = world.pickers[8](rng);
        if (out) {
          const p = world.pools;
          // Columns in CRITEO_COLUMNS order; a row is under 200 bytes.
          out.reserve(256);
          out.int(tTime[k]);
          out.tab();
          out.int(uid);
          out.tab();
          out.bytes(world.campaignBytes[c]);
          out.tab();
          out.int(converted ? 1 : 0);
          out.tab();
          out.int(conversionTime);
          out.tab();
          out.int(conversionId);
          out.tab();
          out.int(k === lastClickIndex ? 1 : 0);
          out.tab();
          out.int(clicked ? 1 : 0);
          out.tab();
          out.int(converted && clicked ? clickPos : -1);
          out.tab();
          out.int(converted && clicked ? clicks : -1);
          out.tab();
          out.price(cost);
          out.tab();
          out.price(cpo);
          out.tab();
          out.int(sinceClick);
          out.tab();
          out.bytes(p[0][segment]);
          out.tab();
          out.bytes(p[1][cat2]);
          out.tab();
          out.bytes(p[2][world.advertiser[c]]);
          out.tab();
          out.bytes(p[3][cat4]);
          out.tab();
          out.bytes(p[4][region]);
          out.tab();
          out.bytes(p[5][cat6]);
          out.tab();
          out.bytes(p[6][cat7]);
          out.tab();
          out.bytes(p[7][cat8]);
          out.tab();
          out.bytes(p[8][cat9]);
          out.newline();
          rowTimes.push(tTime[k]);
          rowEnds.push(out.pos);
        }
        if (clicked) {
          lastClick = tTime[k];
          clickPos++;
        }
      }

      recorder?.journey(uid, userBase, tTime, tCampaign, tClick, tCost, n);
      if (!converted || rng.next() >= MODEL.returnChance) break;
      t = conversionTime + Math.max(1, Math.round(exponential(rng, MODEL.returnGap)));
    }
    if (userRows > 0) tally.users++;
    if (!out || rowTimes.length === 0) return null;
    const rows = rowEnds.length;
    const offsets = new Uint32Array(rows + 1);
    const times = new Float64Array(rows);
    for (let k = 0; k < rows; k++) {
      offsets[k + 1] = rowEnds[k];
      times[k] = rowTimes[k];
    }
    return { seq, times, bytes: out.buf.slice(0, out.pos), offsets, next: 0 };
  };
  return { user, tally };
}

/**
 * Min-heap of users by (time of their next row, arrival order): ties keep
 * arrival order, so output is stable. Keys live in typed arrays beside the
 * users, so sifting compares contiguous numbers instead of chasing a
 * pointer per comparison (it halved the time spent merging).
 */
class UserHeap {
  private users: PendingUser[] = [];
  private time = new Float64Array(1024);
  private seq = new Float64Array(1024);
  size = 0;

  peek(): PendingUser | undefined {
    return this.size > 0 ? this.users[0] : undefined;
  }

  private less(i: number, j: number): boolean {
    const ti = this.time[i];
    const tj = this.time[j];
    return ti < tj || (ti === tj && this.seq[i] < this.seq[j]);
  }

  private swap(i: number, j: number): void {
    const u = this.users[i];
    this.users[i] = this.users[j];
    this.users[j] = u;
    const t = this.time[i];
    this.time[i] = this.time[j];
    this.time[j] = t;
    const s = this.seq[i];
    this.seq[i] = this.seq[j];
    this.seq[j] = s;
  }

  push(u: PendingUser): void {
    if (this.size === this.time.length) {
      const time = new Float64Array(this.size * 2);
      time.set(this.time);
      this.time = time;
      const seq = new Float64Array(this.size * 2);
      seq.set(this.seq);
      this.seq = seq;
    }
    let i = this.size++;
    this.users[i] = u;
    this.time[i] = u.times[u.next];
    this.seq[i] = u.seq;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** Restores order after the top's `next` advanced; removes it when it has no rows left. */
  advanceTop(): void {
    const top = this.users[0];
    if (top.next >= top.times.length) {
      const last = --this.size;
      this.users[0] = this.users[last];
      this.time[0] = this.time[last];
      this.seq[0] = this.seq[last];
      this.users.length = last;
      if (last === 0) return;
    } else {
      this.time[0] = top.times[top.next];
    }
    const n = this.size;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(l, m)) m = l;
      if (r < n && this.less(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
  }
}

function describeModel(o: ResolvedSynthOptions, world: World): string {
  const count = (r: CampaignRole): number => world.roles.filter((x) => x === r).length;
  return (
    `Synthetic log (seed ${o.seed}): ${o.users} users, ${o.campaigns} campaigns over ${Math.round(o.durationSeconds / DAY)} days. ` +
    `${count('causal')} campaigns are causal, with effects on the log-odds of conversion spread evenly from ${MODEL.effectMin} to ${MODEL.effectMax}, ` +
    `with diminishing returns (n exposures to a campaign add effect x log2(1 + n)). ` +
    `${count('late')} campaigns are late: shown at the end of journeys, mostly to users who would convert anyway, with no effect. ` +
    `${count('inert')} campaigns are inert. ` +
    `Each user has a latent propensity p ~ N(0, 1); a journey converts with probability sigmoid(${o.baseLogOdds} + ${MODEL.propensityScale} x p + sum over its campaigns of effect x log2(1 + exposures)), ` +
    `the conversion coming after its last touchpoint (delay about a day), and every row of a converted journey carries its conversion id. ` +
    `The propensity shows only noisily in cat1, a user segment (p plus N(0, ${world.params.segmentNoise}) noise, in ${MODEL.segments} buckets); ` +
    `cat3, cat4 and cat8 follow the campaign, the other categories are noise. ` +
    `Late touchpoints are added with chance ${MODEL.lateFloor} + ${MODEL.lateLift} x sigmoid(${world.params.lateTargeting} (p - ${MODEL.lateCenter})). ` +
    `Journey lengths mix two geometrics (mean ${o.meanJourneyLength} touchpoints, long tail); after a conversion a user comes back for another journey with chance ${MODEL.returnChance}. ` +
    `Clicks (about 3% of impressions, twice that for late campaigns, a little more for high-propensity users) and costs carry no effect. ` +
    `A campaign's removal loss is the exact expected number of conversions lost if its impressions were removed from every journey ` +
    `(the sum over journeys of P(convert) minus P(convert without that campaign's exposures)); it is 0 for late and inert campaigns.` +
    (o.world ? ' ' + describeWorld(world) : '')
  );
}

/** What a world changes from the demo's model, in words (the sentences above still hold where not overridden). */
function describeWorld(world: World): string {
  const p = world.params;
  const d = DEMO_WORLD;
  const parts: string[] = [];
  if (p.dose !== d.dose) {
    const rule = {
      log2: 'effect x log2(1 + exposures)',
      once: 'its effect once per journey, however many impressions (repeats add nothing)',
      linear: 'effect x exposures (every impression counts the same)',
      saturating: `effect x ${p.saturation} (1 - exp(-exposures / ${p.saturation})) (saturating)`,
    }[p.dose];
    parts.push(`This world's dose rule: a campaign adds ${rule}.`);
  }
  if (p.decayHalfLifeDays > 0) parts.push(`An impression counts 0.5^(days to the journey's last touchpoint / ${p.decayHalfLifeDays}) of an exposure.`);
  if (p.clickLift !== 1) parts.push(`A clicked impression counts ${p.clickLift} exposures.`);
  if (p.interaction && world.model.dependent >= 0) {
    parts.push(
      `Campaign ${world.campaignIds[world.model.dependent]} works only on its impressions after one of campaign ${world.campaignIds[world.model.trigger]}'s in the same journey.`,
    );
  }
  if (p.propensity === 'hidden') parts.push('cat1 is drawn independently of the propensity: it carries nothing about it.');
  if (p.journeyLengths === 'heavy-tail') parts.push(`Journey lengths: about ${MODEL.singleShare * 100}% single-impression, the rest 2 + a log-normal with a tail to hundreds.`);
  return parts.join(' ');
}

/**
 * The generator behind `generateSynthetic`, as an iterator of byte chunks
 * (ASCII, about 256 KB each, each a fresh array) that returns the truth.
 * Node streams and the worker can pause between chunks for backpressure,
 * progress or cancelling. Throws a RangeError for options
 * `resolveSynthOptions` rejects.
 */
export function* syntheticChunks(
  options: SynthOptions,
  onProgress?: (usersDone: number, usersTotal: number) => void,
  recorder?: WorldRecorder,
): Generator<Uint8Array, SynthTruth, void> {
  const resolved = resolveSynthOptions(options);
  if (!resolved.ok) throw new RangeError(resolved.error);
  const o = resolved.options;
  const world = buildWorld(o);
  recorder?.start(world.model, world.campaignIds);
  const rng = createRng(o.seed).fork('users');
  const sim = makeSimulator(o, world, rng, recorder);
  const heap = new UserHeap();

  const chunk = new ByteWriter(ROW_CHUNK_BYTES + 4096);
  chunk.bytes(asciiBytes(CRITEO_COLUMNS.join('\t') + '\n'));
  const take = (): Uint8Array => {
    const out = chunk.buf.slice(0, chunk.pos);
    chunk.pos = 0;
    return out;
  };
  /** Moves rows up to time `limit` into the chunk; true when it stopped because the chunk is full. */
  const emitUpTo = (limit: number): boolean => {
    for (let top = heap.peek(); top && top.times[top.next] <= limit; top = heap.peek()) {
      const from = top.offsets[top.next];
      const to = top.offsets[top.next + 1];
      chunk.reserve(to - from);
      chunk.bytes(top.bytes, from, to);
      top.next++;
      heap.advanceTop();
      if (chunk.pos >= ROW_CHUNK_BYTES) return true;
    }
    return false;
  };
  const scratch = new ByteWriter();

  // Arrivals spread evenly over the log with jitter, so they come already in time order.
  const arrivals = createRng(o.seed).fork('arrivals');
  const arrivalAt = (seq: number): number => Math.floor((o.durationSeconds * (seq + arrivals.next())) / o.users);
  const progressEvery = Math.max(1, Math.floor(o.users / 200));
  let arrival = arrivalAt(0);
  for (let seq = 0; seq < o.users; seq++) {
    const pending = sim.user(seq, arrival, scratch);
    if (pending) heap.push(pending);
    const nextArrival = seq + 1 < o.users ? arrivalAt(seq + 1) : Infinity;
    while (emitUpTo(nextArrival)) yield take();
    arrival = nextArrival;
    if (onProgress && (seq % progressEvery === 0 || seq + 1 === o.users)) onProgress(seq + 1, o.users);
  }
  if (chunk.pos > 0) yield take();

  const t = sim.tally;
  const campaigns: CampaignTruth[] = world.campaignIds.map((id, c) => ({
    id,
    role: c === world.model.trigger ? 'trigger' : c === world.model.dependent ? 'dependent' : world.roles[c],
    effect: world.effects[c],
    impressions: t.impressions[c],
    removalLoss: t.removalLoss[c],
    lossPerImpression: t.impressions[c] > 0 ? t.removalLoss[c] / t.impressions[c] : 0,
    lastTouchCredits: t.lastTouchCredits[c],
  }));
  const counts: SynthCounts = {
    rows: t.rows,
    users: t.users,
    campaigns: campaigns.filter((c) => c.impressions > 0).length,
    journeys: t.journeys,
    convertedJourneys: t.convertedJourneys,
    clicks: t.clicks,
  };
  return { options: o, campaigns, counts, description: describeModel(o, world) };
}

/**
 * Writes a Criteo-schema TSV (header, then rows sorted by time) through
 * `write` in chunks of about 256 KB, and returns the planted truth. Same
 * options, same bytes.
 */
export function generateSynthetic(
  options: SynthOptions,
  write: (text: string) => void,
  onProgress?: (usersDone: number, usersTotal: number) => void,
): SynthTruth {
  // The rows are ASCII, so latin1 decoding maps each byte to one character.
  const decoder = new TextDecoder('latin1');
  const chunks = syntheticChunks(options, onProgress);
  for (;;) {
    const step = chunks.next();
    if (step.done) return step.value;
    write(decoder.decode(step.value));
  }
}

/**
 * Expected rows per user for these options, from a quick dry run of up to
 * 4,000 users (no text). Seeded, so the same options give the same figure.
 */
export function estimateRowsPerUser(options: SynthOptions): number {
  const resolved = resolveSynthOptions(options);
  if (!resolved.ok) throw new RangeError(resolved.error);
  const o = resolved.options;
  const world = buildWorld(o);
  const rng = createRng(o.seed).fork('estimate');
  const sim = makeSimulator(o, world, rng);
  const pilot = Math.min(o.users, 4000);
  for (let i = 0; i < pilot; i++) sim.user(i, Math.floor(rng.next() * o.durationSeconds), null);
  return sim.tally.rows / pilot;
}

/** About how many rows these options write (the truth's counts give the exact figure). */
export function estimateRows(options: SynthOptions): number {
  return Math.round(estimateRowsPerUser(options) * options.users);
}

/** Users needed for about `rows` rows with these options (the truth's counts give the exact figure). */
export function usersForRows(rows: number, options: Omit<SynthOptions, 'users'>): number {
  const perUser = estimateRowsPerUser({ ...options, users: 4000 });
  return Math.max(1, Math.round(rows / perUser));
}
