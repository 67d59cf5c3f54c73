/** Names and colours of every attribution model the result views can show, counterfactual ones included. */
import { modelColour, modelName } from '../palette';

/** The counterfactual methods' weights-file keys, in the marketer's words. */
const COUNTERFACTUAL_NAMES: Record<string, string> = {
  markov: 'Markov removal effect',
  shapley_count: 'Shapley (counting)',
  removal: 'removal effect (attention model)',
  shapley: 'Shapley (attention model)',
};

/** Okabe-Ito colours the palette leaves to other series; fixed per method so each keeps its colour across charts. */
const COUNTERFACTUAL_COLOURS: Record<string, string> = {
  markov: '#882255',
  shapley_count: '#999933',
  removal: '#004D80',
  shapley: '#7A4B00',
};

export const modelLabel = (model: string): string => COUNTERFACTUAL_NAMES[model] ?? modelName(model);
export const modelLabelColour = (model: string, index = 0): string => COUNTERFACTUAL_COLOURS[model] ?? modelColour(model, index);

/** Display order: position rules, trained models, counterfactual methods, then the planted truth. */
export const MODEL_ORDER = ['lta', 'first', 'linear', 'timedecay', 'ushape', 'logreg', 'attention', 'markov', 'shapley_count', 'removal', 'shapley', 'truth'];

/** Models whose weights are totals over a campaign's journeys rather than a rate per impression. */
export const TOTAL_WEIGHT_MODELS = new Set(['markov', 'shapley_count', 'removal', 'shapley']);

/** Keys in MODEL_ORDER first, others (a future model) after them by name. */
export function orderModels(models: readonly string[]): string[] {
  const rank = (m: string) => {
    const i = MODEL_ORDER.indexOf(m);
    return i < 0 ? MODEL_ORDER.length : i;
  };
  return [...models].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}
