/** Contracts of the synthetic log generator with planted truth. Implementation: ./generate.ts. */

export type CampaignRole =
  /** Truly raises the chance of conversion. */
  | 'causal'
  /** Shown late to users who would convert anyway: no effect, but last-touch loves it. */
  | 'late'
  /** No effect at all. */
  | 'inert'
  /** Interaction worlds: works only on impressions after the trigger's, in the same journey. */
  | 'dependent'
  /** Interaction worlds: the campaign the dependent one needs first (its own effect, if any, is `effect`). */
  | 'trigger';

export interface SynthOptions {
  seed: number;
  users: number;
  campaigns: number;
  /** Mean touchpoints per journey (geometric, with a long tail). */
  meanJourneyLength?: number;
  /** Span of the log in seconds (the Criteo log: 31 days). */
  durationSeconds?: number;
  /** Log-odds of conversion for an average user who saw no causal campaign (sets the conversion rate). */
  baseLogOdds?: number;
  /**
   * How the planted world differs from the demo's (./worlds.ts names a set of
   * them). Absent: the demo's model, and the same bytes as before worlds existed.
   */
  world?: Partial<WorldParams>;
}

/** How repeat impressions of one campaign in a journey add up on the log-odds. */
export type DoseRule =
  /** effect x log2(1 + exposures): diminishing returns (the demo). */
  | 'log2'
  /** effect once if the campaign was seen at all: repeats add nothing. */
  | 'once'
  /** effect x exposures: every impression counts the same. */
  | 'linear'
  /** effect x s (1 - exp(-exposures / s)): linear at first, capped at s exposures' worth. */
  | 'saturating';

/** What the user-level column cat1 shows of the latent propensity. */
export type PropensityVisibility = 'segment' | 'hidden';

/** The planted model's knobs. The demo's values are `DEMO_WORLD` in ./generate.ts. */
export interface WorldParams {
  dose: DoseRule;
  /** s of the saturating dose, in exposures. */
  saturation: number;
  /** An impression counts 0.5^(days from it to the journey's last touchpoint / half-life); 0 = no decay. */
  decayHalfLifeDays: number;
  /** A clicked impression counts this many exposures (1 = clicks carry no effect). */
  clickLift: number;
  /** The campaign with the largest effect works only on impressions after one of the most popular campaign's. */
  interaction: boolean;
  /** Share of campaigns with an effect, and of late (retargeting, no effect) campaigns; the rest are inert. */
  causalShare: number;
  lateShare: number;
  /** How strongly late touchpoints follow the propensity: chance = floor + lift x sigmoid(strength (p - center)). */
  lateTargeting: number;
  /** Noise added to the propensity before it is bucketed into cat1; with 'hidden', cat1 is that noise alone. */
  segmentNoise: number;
  propensity: PropensityVisibility;
  /** 'demo': two geometrics; 'heavy-tail': about 60% single-impression journeys and a tail to hundreds. */
  journeyLengths: 'demo' | 'heavy-tail';
}

/** SynthOptions with every default filled in; `world` only when one was asked for. */
export type ResolvedSynthOptions = Required<Omit<SynthOptions, 'world'>> & { world?: WorldParams };

export interface CampaignTruth {
  /** Original campaign id as written in the file. */
  id: string;
  role: CampaignRole;
  /** The planted effect on the log-odds of conversion per exposure (0 for late and inert); see the world's dose rule. */
  effect: number;
  impressions: number;
  /** Expected conversions lost if this campaign were switched off (its impressions removed). */
  removalLoss: number;
  /** removalLoss / impressions (0 when none). */
  lossPerImpression: number;
  /** Converted journeys whose last touchpoint is this campaign (what last-touch credits). */
  lastTouchCredits: number;
}

export interface SynthCounts {
  rows: number;
  users: number;
  campaigns: number;
  journeys: number;
  convertedJourneys: number;
  clicks: number;
}

export interface SynthTruth {
  options: ResolvedSynthOptions;
  campaigns: CampaignTruth[];
  counts: SynthCounts;
  /** One paragraph stating the generating model, for the README and the UI. */
  description: string;
}
