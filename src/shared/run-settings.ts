/**
 * Defaults of a run for the settings form, built from core/settings alone so
 * the UI bundle does not pull in tfjs through core/pipeline.
 */
import type { PipelineSettings } from '../core/pipeline';
import { DEFAULT_COUNTERFACTUAL } from '../core/pipeline-settings';
import { DEFAULT_HALF_LIFE_DAYS, DEFAULT_PREPARE, DEFAULT_SIMULATE, DEFAULT_TRAIN, POSITION_MODELS } from '../core/settings';

export function defaultRunSettings(): PipelineSettings {
  return {
    prepare: { ...DEFAULT_PREPARE, campaigns: { ...DEFAULT_PREPARE.campaigns } },
    train: {
      ...DEFAULT_TRAIN,
      models: [...DEFAULT_TRAIN.models],
      epochs: { ...DEFAULT_TRAIN.epochs },
      batchSize: { ...DEFAULT_TRAIN.batchSize },
    },
    simulate: { ...DEFAULT_SIMULATE, pitches: [...DEFAULT_SIMULATE.pitches] },
    positionModels: [...POSITION_MODELS],
    halfLifeDays: DEFAULT_HALF_LIFE_DAYS,
    counterfactual: { ...DEFAULT_COUNTERFACTUAL },
    reuseKeptModels: true,
  };
}
