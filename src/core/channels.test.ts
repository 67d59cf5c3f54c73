import { describe, expect, it } from 'vitest';
import { campaignName, channelOf, groupingColumns, hasChannels, labelsFromColumn, labelsFromTable, parseChannelFile, sumByChannel, UNGROUPED } from './channels';

const IDS = ['101', '102', '103'];

describe('parseChannelFile', () => {
  it('names campaigns and groups them into channels', () => {
    const text = 'campaign id,name,channel\n101,Spring sale,Search\n102,"Brand, video",Social\n103,Retarget,\n';
    expect(parseChannelFile(text, IDS)).toEqual({
      ok: true,
      labels: {
        '101': { name: 'Spring sale', channel: 'Search' },
        '102': { name: 'Brand, video', channel: 'Social' },
        '103': { name: 'Retarget', channel: '' },
      },
    });
  });

  it('reads a header in other case and with underscores, a BOM, CRLF and a subset of the campaigns', () => {
    const r = parseChannelFile('\uFEFFCampaign_ID, Name ,CHANNEL\r\n102,B,x\r\n', IDS);
    expect(r).toEqual({ ok: true, labels: { '102': { name: 'B', channel: 'x' } } });
  });

  it.each([
    ['an empty file', '', /empty/],
    ['wrong columns', 'id,name,channel\n101,a,b\n', /columns must be "campaign id,name,channel"; this one has "id,name,channel"/],
    ['a missing column', 'campaign id,name\n101,a\n', /columns must be/],
    ['no rows', 'campaign id,name,channel\n', /no campaigns/],
    ['an unknown campaign id', 'campaign id,name,channel\n101,a,b\n999,c,d\n', /Line 3 .* campaign "999", which is not in the loaded log/],
    ['a duplicate id', 'campaign id,name,channel\n101,a,b\n101,c,d\n', /Campaign "101" is listed twice .* line 3/],
    ['an empty name', 'campaign id,name,channel\n101, ,b\n', /Line 2 .* empty name/],
    ['a short row', 'campaign id,name,channel\n101,a\n', /Line 2 .* 2 fields/],
    ['an empty id', 'campaign id,name,channel\n,a,b\n', /Line 2 .* no campaign id/],
  ])('refuses %s with one message', (_what, text, message) => {
    const r = parseChannelFile(text, IDS);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(message);
  });
});

describe('names and channel sums', () => {
  const labels = { '101': { name: 'Spring', channel: 'Search' }, '102': { name: 'Brand', channel: 'Search' }, '103': { name: 'Mail', channel: '' } };

  it('falls back to the id and to no channel', () => {
    expect(campaignName(labels, '101')).toBe('Spring');
    expect(campaignName(labels, '104')).toBe('104');
    expect(campaignName(null, '101')).toBe('101');
    expect(channelOf(labels, '103')).toBe(UNGROUPED);
    expect(hasChannels(labels)).toBe(true);
    expect(hasChannels({ '103': { name: 'x', channel: '' } })).toBe(false);
  });

  it("sums a channel's campaigns, and the channel totals add up to the campaigns' total", () => {
    const amounts = { '101': 1.5, '102': 2, '103': 4, '104': 0.25 };
    const sums = sumByChannel(amounts, labels);
    expect(sums).toEqual([
      { channel: 'Search', amount: 3.5, members: ['101', '102'] },
      { channel: UNGROUPED, amount: 4.25, members: ['103', '104'] },
    ]);
    expect(sums.reduce((a, s) => a + s.amount, 0)).toBe(7.75);
  });

  it("takes a campaign's most common value of a column as its channel", () => {
    const l = labelsFromColumn(
      [
        ['1', 'a', 3],
        ['1', 'b', 5],
        ['2', 'c', 1],
      ],
      { '1': { name: 'One', channel: 'z' } },
    );
    expect(l).toEqual({ '1': { name: 'One', channel: 'b' }, '2': { name: '2', channel: 'c' } });
  });
});

describe('channels from a column of the log', () => {
  it("reads an own log's mapped channel column into each campaign's most common channel", async () => {
    const { ingest } = await import('./ingest');
    const { fileOf } = await import('./ingest/test-files');
    const text = 'user,time,campaign,channel,converted\nu1,1,spring,search,0\nu1,2,spring,search,1\nu2,3,spring,social,0\nu2,4,mail,email,0\n';
    const result = await ingest(fileOf(text, 'own.csv'), {
      mapping: { user: 'user', timestamp: 'time', timestampUnit: 'seconds', campaign: 'campaign', conversion: 'converted', channel: 'channel' },
    });
    if (!result.ok) throw new Error(result.error.message);
    expect(result.table.campaignChannels).toEqual({ column: 'channel', values: ['search', 'email'] });
    // Read to group, never a feature.
    expect(result.table.categoryNames).toEqual([]);
    expect(groupingColumns(result.table)).toEqual(['channel']);
    expect(labelsFromTable(result.table, 'channel', { spring: { name: 'Spring sale', channel: 'x' } })).toEqual({
      ok: true,
      labels: { spring: { name: 'Spring sale', channel: 'search' }, mail: { name: 'mail', channel: 'email' } },
    });
  });

  it("groups by a category column (Criteo's cat1..cat9): the value on most of a campaign's rows", () => {
    const table = {
      rowCount: 5,
      campaign: Uint32Array.from([0, 0, 0, 1, 1]),
      campaignIds: ['10', '20'],
      categoryNames: ['cat1', 'cat2'],
      categories: [Uint32Array.from([0, 1, 1, 2, 2]), Uint32Array.from([0, 0, 0, 0, 0])],
      categoryIds: [['a', 'b', 'c'], ['z']],
    };
    expect(groupingColumns(table)).toEqual(['cat1', 'cat2']);
    expect(labelsFromTable(table, 'cat1')).toEqual({ ok: true, labels: { '10': { name: '10', channel: 'b' }, '20': { name: '20', channel: 'c' } } });
    expect(labelsFromTable(table, 'cat9')).toEqual({ ok: false, reason: 'The log has no column "cat9" to group campaigns by.' });
  });
});
