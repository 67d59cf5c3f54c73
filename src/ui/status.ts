/** UI state of one piece of async work; replaced, never mutated. */
import type { WorkerError } from '../shared/protocol';

export type AsyncStatus<T, P> =
  | { readonly state: 'idle' }
  | { readonly state: 'running'; readonly progress: P | null }
  | { readonly state: 'failed'; readonly error: WorkerError }
  | { readonly state: 'done'; readonly value: T };

export const IDLE = { state: 'idle' } as const;

export const running = <P>(progress: P | null = null) => ({ state: 'running', progress }) as const;
export const failed = (error: WorkerError) => ({ state: 'failed', error }) as const;
export const done = <T>(value: T) => ({ state: 'done', value }) as const;
