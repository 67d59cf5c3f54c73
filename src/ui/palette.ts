/**
 * Okabe-Ito: told apart by people with the common forms of colour blindness.
 * For charts of the log itself; every attribution method's colour is its own,
 * in the catalog (src/core/methods.ts: methodColour).
 */
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
