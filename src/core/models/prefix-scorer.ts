/**
 * Forward-only scoring of counterfactual journeys for the lstm and attention
 * models, with no tfjs ops but one matMul per step depth.
 *
 * Why: the tfjs forward (networks.ts) runs ~20 kernels per batch plus the
 * recurrence, with tape and memory bookkeeping, pads every journey of a chunk
 * to its longest, and computes again every touchpoint that variants of one
 * journey share. Here:
 * - the journeys of a batch are merged into a prefix tree: variants of one
 *   journey (removal, Shapley coalitions, replays) share the touchpoints
 *   before the first one they drop, and each distinct prefix gets its LSTM
 *   state computed once; identical variants end on the same node;
 * - the tree is evaluated depth by depth, one [nodes, H] x [H, 4H] backend
 *   matMul (wasm: XNNPACK, ~11 billion multiply-adds a second at 512-2048
 *   rows, against ~0.5 in a plain JS loop) and the gate arithmetic in JS;
 * - nothing is padded: a node exists only for a kept touchpoint;
 * - the input side is folded into a table read once per model: the attention
 *   model's inputEmbedding x lstmKernel is [vocabulary, 4H] (the embedding is
 *   linear, and dropout is off at inference), so a touchpoint's gate input is
 *   a sum of idsPerStep rows plus numeric x (numericKernel x lstmKernel);
 * - the attention read-out keeps two numbers per node, exp(score) and
 *   h . outputKernel, since logit = sum_t a_t (h_t . w) + b.
 * Results agree with the tfjs forward within float32 rounding (prefix-scorer.test.ts).
 *
 * A masked step (mask 0) changes neither model (networks.ts), so it gets no node.
 * Reads tensors synchronously (dataSync): for the wasm and cpu backends only,
 * i.e. networks whose recurrence is 'js' (networks.ts); GPU backends keep the tfjs forward.
 */
import * as tf from '@tensorflow/tfjs';
import type { FeatureLayout } from './inputs';
import { product, sigmoid32, tanh32, type Alloc } from './lstm-js';
import { ATTENTION_FLOOR, type Network } from './networks';
import type { SequenceBatch } from './scorer';

/** The weights of one model as the forward pass reads them: plain arrays, plus the recurrent kernel kept in the backend. */
export interface PrefixWeights {
  kind: 'lstm' | 'attention';
  units: number;
  /** [vocabulary, 4H]: each id's contribution to a step's gate inputs. */
  inputTable: Float32Array;
  /** [numeric used, 4H]. */
  numericTable: Float32Array;
  /** [4H]. */
  gateBias: Float32Array;
  /** [H, 4H], the network's own variable: the recurrent product runs in the backend's matMul. */
  recurrent: tf.Tensor2D;
  /** Attention model: [H] and the scalar bias. */
  attentionKernel: Float32Array;
  attentionBias: number;
  /** [H] and the scalar bias. */
  outputKernel: Float32Array;
  outputBias: number;
  /** [user vocabulary]: each user attribute value's term of the logit (networks.ts, `withUser`); empty without user attributes. */
  userTable: Float32Array;
  userColumns: number;
}

/** Rows of the tree evaluated in one matMul: past ~2,048 rows wasm's matMul slowed down (3.8 against 11 billion multiply-adds a second at 4,096). */
const LEVEL_CHUNK = 2048;

function values(net: Network, name: string): Float32Array {
  const v = net.variables.get(name);
  if (!v) throw new Error(`network has no variable ${name}`);
  return v.dataSync() as Float32Array;
}

/** a [rows, inner] x b [inner, cols] in float64, rounded to float32 once. */
function product64(a: Float32Array, rows: number, inner: number, b: Float32Array, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  const acc = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    acc.fill(0);
    for (let k = 0; k < inner; k++) {
      const x = a[r * inner + k];
      if (x === 0) continue;
      const base = k * cols;
      for (let j = 0; j < cols; j++) acc[j] += x * b[base + j];
    }
    out.set(acc, r * cols);
  }
  return out;
}

/** Reads a network's weights (synchronously: wasm and cpu only); `recurrent` stays the network's variable. */
export function prefixWeights(net: Network): PrefixWeights {
  const c = net.config;
  if (c.kind === 'logreg') throw new Error('the regression scores journey aggregates, not sequences');
  const h = c.units;
  const g = 4 * h;
  let inputTable: Float32Array;
  let numericTable: Float32Array;
  let gateBias: Float32Array;
  if (c.kind === 'lstm') {
    inputTable = values(net, 'inputEmbedding').slice();
    numericTable = c.numeric > 0 ? values(net, 'numericKernel').slice() : new Float32Array(0);
    gateBias = values(net, 'lstmBias').slice();
  } else {
    const lstmKernel = values(net, 'lstmKernel');
    inputTable = product64(values(net, 'inputEmbedding'), c.vocabulary, c.embedding, lstmKernel, g);
    numericTable = c.numeric > 0 ? product64(values(net, 'numericKernel'), c.numeric, c.embedding, lstmKernel, g) : new Float32Array(0);
    const bias = product64(values(net, 'embeddingBias'), 1, c.embedding, lstmKernel, g);
    const lstmBias = values(net, 'lstmBias');
    gateBias = new Float32Array(g);
    for (let j = 0; j < g; j++) gateBias[j] = bias[j] + lstmBias[j];
  }
  const recurrent = net.variables.get('recurrentKernel') as unknown as tf.Tensor2D;
  return {
    kind: c.kind,
    units: h,
    inputTable,
    numericTable,
    gateBias,
    recurrent,
    attentionKernel: c.kind === 'attention' ? values(net, 'attentionKernel').slice() : new Float32Array(0),
    attentionBias: c.kind === 'attention' ? values(net, 'attentionBias')[0] : 0,
    outputKernel: values(net, 'outputKernel').slice(),
    outputBias: values(net, 'outputBias')[0],
    // Each value's embedding times the output kernel: its term of the logit (the output layer is linear).
    userTable: (c.userColumns ?? 0) > 0 ? product64(values(net, 'userEmbedding'), c.userVocabulary ?? 0, h, values(net, 'outputKernel'), 1) : new Float32Array(0),
    userColumns: c.userColumns ?? 0,
  };
}

/** The prefix tree of one batch: node n is a kept touchpoint (batch position src[n]) after its parent's path. */
interface PrefixTree {
  nodes: number;
  parent: Int32Array;
  src: Int32Array;
  depth: Uint16Array;
  /** Per journey of the batch: its last node, -1 when it kept no touchpoint. */
  leaf: Int32Array;
}

/**
 * Merges the batch's journeys into a prefix tree. Two steps are the same node
 * when their parents are and their ids and numeric features are bit for bit
 * equal; an open-addressing table keyed by a hash of both finds them.
 */
function buildTree(batch: SequenceBatch, layout: FeatureLayout): PrefixTree {
  const { count, steps } = batch;
  const cc = layout.categoryColumns;
  const nf = layout.numericNames.length;
  const used = layout.numericUsed;
  const numericBits = new Uint32Array(batch.numeric.buffer, batch.numeric.byteOffset, batch.numeric.length);
  let kept = 0;
  for (let q = 0; q < count * steps; q++) if (batch.mask[q] !== 0) kept++;
  const parent = new Int32Array(kept);
  const src = new Int32Array(kept);
  const depth = new Uint16Array(kept);
  const leaf = new Int32Array(count);
  let size = 1;
  while (size < 2 * kept) size *= 2;
  const table = new Int32Array(size).fill(-1);
  const slotMask = size - 1;
  const same = (a: number, b: number): boolean => {
    if (batch.campaign[a] !== batch.campaign[b]) return false;
    for (let k = 0; k < cc; k++) if (batch.categories[a * cc + k] !== batch.categories[b * cc + k]) return false;
    for (let k = 0; k < used.length; k++) if (numericBits[a * nf + used[k]] !== numericBits[b * nf + used[k]]) return false;
    return true;
  };
  let nodes = 0;
  for (let r = 0; r < count; r++) {
    let at = -1;
    let d = 0;
    for (let t = 0; t < steps; t++) {
      const q = r * steps + t;
      if (batch.mask[q] === 0) continue;
      let h = Math.imul(at + 0x9e3779b9, 0x85ebca6b) ^ batch.campaign[q];
      h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
      for (let k = 0; k < cc; k++) h = Math.imul(h ^ batch.categories[q * cc + k], 0x01000193);
      for (let k = 0; k < used.length; k++) h = Math.imul(h ^ numericBits[q * nf + used[k]], 0x5bd1e995);
      h ^= h >>> 13;
      let slot = h & slotMask;
      let found = -1;
      for (;;) {
        const n = table[slot];
        if (n < 0) break;
        if (parent[n] === at && same(src[n], q)) {
          found = n;
          break;
        }
        slot = (slot + 1) & slotMask;
      }
      if (found < 0) {
        found = nodes++;
        parent[found] = at;
        src[found] = q;
        depth[found] = d;
        table[slot] = found;
      }
      at = found;
      d++;
    }
    leaf[r] = at;
  }
  return { nodes, parent, src, depth, leaf };
}

/**
 * Logits of the batch's journeys, from the forward pass over the prefix tree.
 * A journey with no kept touchpoint gets NaN without user attributes, and with
 * them the logit of a zero state: output bias plus the user's term. Variants of
 * different users share tree nodes: the user term is added at the read-out only.
 */
export function prefixLogits(w: PrefixWeights, layout: FeatureLayout, batch: SequenceBatch): Float64Array {
  const tree = buildTree(batch, layout);
  const H = w.units;
  const G = 4 * H;
  const cc = layout.categoryColumns;
  const nf = layout.numericNames.length;
  const used = layout.numericUsed;
  const { nodes, parent, src, depth } = tree;
  const hAll = new Float32Array(nodes * H);
  const cAll = new Float32Array(nodes * H);
  const attention = w.kind === 'attention';
  // Attention read-out per node: exp(score) and h . outputKernel.
  const weight = attention ? new Float64Array(nodes) : null;
  const projected = attention ? new Float64Array(nodes) : null;

  // Nodes by depth (counting sort), so each depth's parents are done before it.
  let maxDepth = 0;
  for (let n = 0; n < nodes; n++) if (depth[n] > maxDepth) maxDepth = depth[n];
  const start = new Int32Array(maxDepth + 2);
  for (let n = 0; n < nodes; n++) start[depth[n] + 1]++;
  for (let d = 0; d <= maxDepth; d++) start[d + 1] += start[d];
  const byDepth = new Int32Array(nodes);
  const fill = start.slice();
  for (let n = 0; n < nodes; n++) byDepth[fill[depth[n]]++] = n;

  const z = new Float64Array(G);
  const hIn = new Float32Array(Math.min(LEVEL_CHUNK, nodes) * H);
  // Products read into one array: a fresh one per chunk (dataSync) costs more than the copy in a browser worker (lstm-js.ts, readInto).
  const recOut = new Float32Array(Math.min(LEVEL_CHUNK, nodes) * G);
  const intoRecOut: Alloc = (_key, size) => recOut.subarray(0, size);
  for (let d = 0; d <= maxDepth; d++) {
    for (let from = start[d]; from < start[d + 1]; from += LEVEL_CHUNK) {
      const to = Math.min(start[d + 1], from + LEVEL_CHUNK);
      const rows = to - from;
      // The start state is zero: at depth 0 the recurrent product is zero too.
      let rec: Float32Array | null = null;
      if (d > 0) {
        for (let i = 0; i < rows; i++) hIn.set(hAll.subarray(parent[byDepth[from + i]] * H, (parent[byDepth[from + i]] + 1) * H), i * H);
        rec = product(hIn.subarray(0, rows * H), rows, H, w.recurrent, intoRecOut);
      }
      for (let i = 0; i < rows; i++) {
        const n = byDepth[from + i];
        const q = src[n];
        // Gate inputs: bias, one table row per id, numeric features times their rows.
        for (let j = 0; j < G; j++) z[j] = w.gateBias[j];
        let id = batch.campaign[q] * G;
        for (let j = 0; j < G; j++) z[j] += w.inputTable[id + j];
        for (let c = 0; c < cc; c++) {
          id = (layout.campaigns + batch.categories[q * cc + c]) * G;
          for (let j = 0; j < G; j++) z[j] += w.inputTable[id + j];
        }
        for (let f = 0; f < used.length; f++) {
          const x = batch.numeric[q * nf + used[f]];
          if (x === 0) continue;
          const base = f * G;
          for (let j = 0; j < G; j++) z[j] += x * w.numericTable[base + j];
        }
        if (rec) {
          const rb = i * G;
          for (let j = 0; j < G; j++) z[j] += rec[rb + j];
        }
        const hb = n * H;
        const pb = d > 0 ? parent[n] * H : -1;
        let score = w.attentionBias;
        let out = 0;
        for (let u = 0; u < H; u++) {
          const ig = sigmoid32(z[u]);
          const fg = sigmoid32(z[H + u]);
          const og = sigmoid32(z[2 * H + u]);
          const gg = tanh32(z[3 * H + u]);
          const cNew = (pb >= 0 ? fg * cAll[pb + u] : 0) + ig * gg;
          cAll[hb + u] = cNew;
          const hNew = og * tanh32(cNew);
          hAll[hb + u] = hNew;
          if (attention) {
            score += Math.fround(hNew) * w.attentionKernel[u];
            out += Math.fround(hNew) * w.outputKernel[u];
          }
        }
        if (attention) {
          weight![n] = Math.exp(tanh32(score));
          projected![n] = out;
        }
      }
    }
  }

  const logits = new Float64Array(batch.count);
  const uc = w.userColumns;
  if (uc > 0 && !batch.user) throw new Error('The model reads user attributes, but the batch carries none.');
  for (let r = 0; r < batch.count; r++) {
    let userTerm = 0;
    for (let c = 0; c < uc; c++) userTerm += w.userTable[batch.user![r * uc + c]];
    const leaf = tree.leaf[r];
    if (leaf < 0) {
      logits[r] = uc > 0 ? w.outputBias + userTerm : NaN;
      continue;
    }
    if (!attention) {
      let out = w.outputBias;
      for (let u = 0; u < H; u++) out += hAll[leaf * H + u] * w.outputKernel[u];
      logits[r] = out + userTerm;
      continue;
    }
    let sum = 0;
    let dot = 0;
    for (let n = leaf; n >= 0; n = parent[n]) {
      sum += weight![n];
      dot += weight![n] * projected![n];
    }
    logits[r] = dot / Math.max(sum, ATTENTION_FLOOR) + w.outputBias + userTerm;
  }
  return logits;
}
