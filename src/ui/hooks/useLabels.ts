/**
 * Campaign names and channels for the loaded log (issue 14): a dropped
 * `campaign id,name,channel` file, checked by core/channels against the log's
 * campaigns. A bad file leaves the labels as they were and says why. A new
 * log starts with none.
 */
import { useCallback, useState } from 'react';
import { parseChannelFile, type CampaignLabels } from '../../core/channels';
import { bridge } from '../bridge';
import type { Level } from '../answer';

export interface LabelsHandle {
  labels: CampaignLabels | null;
  /** Name of the file the labels came from. */
  source: string | null;
  /** Why the last file was refused; null after a good one. */
  message: string | null;
  level: Level;
  setLevel: (level: Level) => void;
  open: (file: File, campaignIds: readonly string[]) => Promise<void>;
  /** Channels from a column of the loaded log (names from a channel file are kept). */
  groupBy: (column: string) => Promise<void>;
  clear: () => void;
}

export function useLabels(): LabelsHandle {
  const [state, setState] = useState<{ labels: CampaignLabels | null; source: string | null; message: string | null; level: Level }>({
    labels: null,
    source: null,
    message: null,
    level: 'campaign',
  });
  const open = useCallback(async (file: File, campaignIds: readonly string[]) => {
    const parsed = parseChannelFile(await file.text(), campaignIds);
    setState((s) => (parsed.ok ? { ...s, labels: parsed.labels, source: file.name, message: null } : { ...s, message: parsed.reason }));
  }, []);
  const groupBy = useCallback(
    async (column: string) => {
      const result = await bridge.channelLabels(column, state.labels);
      setState((s) => (result.ok ? { ...s, labels: result.value, source: `column ${column}`, message: null } : { ...s, message: result.error.message }));
    },
    [state.labels],
  );
  return {
    ...state,
    groupBy,
    setLevel: useCallback((level: Level) => setState((s) => ({ ...s, level })), []),
    open,
    clear: useCallback(() => setState({ labels: null, source: null, message: null, level: 'campaign' }), []),
  };
}
