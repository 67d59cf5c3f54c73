/** Contracts of the synthetic log generator with planted truth. Implementation: ./generate.ts. */

export type CampaignRole =
  /** Truly raises the chance of conversion. */
  | 'causal'
  /** Shown late to users who would convert anyway: no effect, but last-touch loves it. */
  | 'late'
  /** No effect at all. */
  | 'inert';

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
}

export interface CampaignTruth {
  /** Original campaign id as written in the file. */
  id: string;
  role: CampaignRole;
  /** The planted effect on the log-odds of conversion per exposure (0 for late and inert). */
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
  options: Required<SynthOptions>;
  campaigns: CampaignTruth[];
  counts: SynthCounts;
  /** One paragraph stating the generating model, for the README and the UI. */
  description: string;
}
