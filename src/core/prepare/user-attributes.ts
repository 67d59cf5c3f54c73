/**
 * User attributes: category columns that describe the user, not the
 * touchpoint (data-and-method.md, "What is known about the user stays when
 * touchpoints go"). A counterfactual takes touchpoints away, not users; a
 * column read per touchpoint would leave with them, and a journey with every
 * touchpoint removed would become "nobody". So these columns are held once per
 * journey, as the models' journey-level input, and every variant of a journey
 * keeps them.
 *
 * Taken as user attributes: the candidate columns whose value never changes
 * within a user over the whole log (some of Criteo's cat columns, the
 * generator's user segment), and the columns an own log's mapping names as
 * user attributes (those are taken even where they vary: the journey's first
 * touchpoint gives the value). A log in which no user has two rows says
 * nothing about constancy, so then only mapped columns are taken.
 */
import type { PreparedJourneys, PreparedEvents, Sequences } from '../prepared';
import type { CategoryColumn, EventTable } from '../table';

/**
 * Names of `candidates` (category columns of `table`) taken as user
 * attributes, in the candidates' order.
 */
export function userAttributeColumns(table: EventTable, candidates: readonly string[]): string[] {
  const mapped = new Set((table.userAttributeNames ?? []).map((n) => n.toLowerCase()));
  const repeated = anyUserRepeats(table.user, table.userCount);
  return candidates.filter((name) => {
    if (mapped.has(name.toLowerCase())) return true;
    const c = table.categoryNames.indexOf(name);
    return repeated && c >= 0 && constantPerUser(table.user, table.userCount, table.categories[c]);
  });
}

/** Whether some user has two or more rows. */
function anyUserRepeats(user: Uint32Array, userCount: number): boolean {
  const seen = new Uint8Array(userCount);
  for (let r = 0; r < user.length; r++) {
    if (seen[user[r]]) return true;
    seen[user[r]] = 1;
  }
  return false;
}

/** Whether `column` holds one value per user (stops at the first user with two). */
export function constantPerUser(user: Uint32Array, userCount: number, column: CategoryColumn): boolean {
  const first = new Int32Array(userCount).fill(-1);
  for (let r = 0; r < user.length; r++) {
    const u = user[r];
    const v = column[r];
    if (first[u] < 0) first[u] = v;
    else if (first[u] !== v) return false;
  }
  return true;
}

/** The user-level block of the sequences: one row of user vocabulary indexes per journey. */
export interface UserInputs {
  /** [journey, columns]: user vocabulary index (offsets[column] + value index; the column's first index is "other"). */
  user: Int32Array;
  columns: number;
  /** offsets[c] is the first user vocabulary index of column c; the last entry is the user vocabulary's size. */
  offsets: Int32Array;
}

/** One user attribute column as each prepared journey's value: value ids 0..valueCount-1. */
export interface JourneyValues {
  /** [journey]: the journey's value id. */
  value: Uint32Array;
  /** How many value ids there are (the ids' order is the vocabulary's order). */
  valueCount: number;
}

/**
 * Each prepared journey's user attributes, read at its first event. Values
 * seen in fewer than `minCount` prepared journeys share the column's "other"
 * index (as the touchpoint categories do, counted in journeys here: one
 * journey is one look at its user).
 */
export function userInputs(table: EventTable, names: readonly string[], events: PreparedEvents, journeys: PreparedJourneys, minCount: number): UserInputs {
  const columns = names.map((name): JourneyValues => {
    const t = table.categoryNames.indexOf(name);
    const column = table.categories[t];
    const value = new Uint32Array(journeys.count);
    for (let j = 0; j < journeys.count; j++) value[j] = column[events.row[journeys.eventsByJourney[journeys.eventOffsets[j]]]];
    return { value, valueCount: table.categoryIds[t].length };
  });
  return userInputsFromValues(columns, journeys.count, minCount);
}

/**
 * The user block from each journey's value per column: the rule of
 * `userInputs`, shared with the prepared-file reader (from-rows.ts), which
 * has the values as the file's text rather than a log's dictionary.
 */
export function userInputsFromValues(columns: readonly JourneyValues[], count: number, minCount: number): UserInputs {
  const k = columns.length;
  const user = new Int32Array(count * k);
  const offsets = new Int32Array(k + 1);
  columns.forEach(({ value, valueCount }, c) => {
    const counts = new Uint32Array(valueCount);
    for (let j = 0; j < count; j++) counts[value[j]]++;
    const index = new Int32Array(valueCount);
    let next = 1;
    for (let v = 0; v < valueCount; v++) index[v] = counts[v] >= minCount ? next++ : 0;
    for (let j = 0; j < count; j++) user[j * k + c] = offsets[c] + index[value[j]];
    offsets[c + 1] = offsets[c] + next;
  });
  return { user, columns: k, offsets };
}

/** Adds the user block to built sequences (prepare/index.ts calls this once the sequences exist). */
export function withUserInputs(sequences: Sequences, inputs: UserInputs): Sequences {
  if (inputs.columns === 0) return sequences;
  return { ...sequences, user: inputs.user, userColumns: inputs.columns, userOffsets: inputs.offsets };
}
