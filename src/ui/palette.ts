/** Okabe-Ito: told apart by people with the common forms of colour blindness. */
export const PALETTE = {
  blue: '#0072B2',
  orange: '#E69F00',
  green: '#009E73',
  vermillion: '#D55E00',
  sky: '#56B4E9',
  purple: '#CC79A7',
  yellow: '#F0E442',
  black: '#000000',
} as const;

/** Series colours in a fixed order, so a model keeps its colour across charts. */
export const SERIES_COLOURS = [
  PALETTE.blue,
  PALETTE.orange,
  PALETTE.green,
  PALETTE.vermillion,
  PALETTE.purple,
  PALETTE.sky,
  PALETTE.black,
  PALETTE.yellow,
];

/** A model keeps its colour in every chart. */
const MODEL_COLOURS: Record<string, string> = {
  lta: PALETTE.blue,
  logreg: PALETTE.orange,
  attention: PALETTE.green,
  lstm: PALETTE.sky,
  first: PALETTE.vermillion,
  linear: PALETTE.sky,
  timedecay: '#8c6d00',
  ushape: '#6b6b6b',
  uniform: PALETTE.black,
  truth: PALETTE.purple,
};

export function modelColour(model: string, index = 0): string {
  return MODEL_COLOURS[model] ?? SERIES_COLOURS[index % SERIES_COLOURS.length];
}

export const MODEL_NAMES: Record<string, string> = {
  lta: 'last-touch',
  first: 'first-touch',
  linear: 'linear',
  timedecay: 'time-decay',
  ushape: 'U-shaped',
  logreg: 'regression',
  logreg_raw: 'regression (raw coefficients)',
  attention: 'attention',
  lstm: 'LSTM',
  uniform: 'uniform',
  truth: 'planted truth',
};

export const modelName = (model: string): string => MODEL_NAMES[model] ?? model;
