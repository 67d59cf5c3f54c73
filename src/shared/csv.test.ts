import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from './csv';

describe('csvCell', () => {
  it.each([
    ['plain', 'plain'],
    ['=SUM(A1:A2)', "'=SUM(A1:A2)"],
    ['+1 555', "'+1 555"],
    ['-brand', "'-brand"],
    ['@cmd', "'@cmd"],
    ['\tindent', "'\tindent"],
    ['\rcarriage', `"'\rcarriage"`],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['=HYPERLINK("x","y")', `"'=HYPERLINK(""x"",""y"")"`],
  ])('text %j -> %j', (value, expected) => expect(csvCell(value)).toBe(expected));

  it.each([
    [-0.25, '-0.25'],
    [1200, '1200'],
    [Number.NaN, ''],
  ])('number %s -> %j (numbers are never neutralised)', (value, expected) => expect(csvCell(value)).toBe(expected));
});

describe('toCsv', () => {
  it('writes a header and CRLF rows', () => {
    expect(toCsv(['campaign', 'budget'], [['=evil', 10], ['ok', -2]])).toBe("campaign,budget\r\n'=evil,10\r\nok,-2\r\n");
  });
});
