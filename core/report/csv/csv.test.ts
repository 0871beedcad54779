import { describe, expect, it } from 'vitest';
import { csvField, toCsv } from './csv';

describe('RFC 4180 CSV', () => {
  it('quotes only fields with a comma, a double quote, CR or LF, doubling quotes', () => {
    expect(csvField('plain name')).toBe('plain name');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
    expect(csvField('"')).toBe('""""');
    expect(csvField(' kept spaces ')).toBe(' kept spaces ');
  });

  it('writes empty values as empty fields and numbers at full precision', () => {
    expect([null, undefined, ''].map(csvField)).toEqual(['', '', '']);
    expect(csvField(2 / 3)).toBe(String(2 / 3));
    expect(csvField(0)).toBe('0');
    expect(csvField(-850)).toBe('-850');
    expect(csvField(1e-7)).toBe('1e-7');
    expect([Number.NaN, Infinity].map(csvField)).toEqual(['', '']);
    expect(csvField(true)).toBe('true');
  });

  it('defuses text a spreadsheet would run as a formula, but writes negative numbers as numbers', () => {
    expect(csvField('=HYPERLINK("http://x","click")')).toBe('"\'=HYPERLINK(""http://x"",""click"")"');
    expect(csvField('+1+1')).toBe("'+1+1");
    expect(csvField('-2+3')).toBe("'-2+3");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('\t=1')).toBe("'\t=1");
    expect(csvField('\r=1')).toBe('"\'\r=1"');
    expect(csvField('a=1')).toBe('a=1');
    expect(csvField(-850)).toBe('-850');
    expect(csvField(-0.5)).toBe('-0.5');
    expect(toCsv(['label', 'value'], [['=cmd|calc', -1]])).toBe("label,value\r\n'=cmd|calc,-1\r\n");
  });

  it('ends every record with CRLF, keeps line breaks inside quoted fields, and refuses a ragged record', () => {
    const text = toCsv(['case', 'iou'], [['a, "b"\nc', 0.5], ['', null]]);
    expect(text).toBe('case,iou\r\n"a, ""b""\nc",0.5\r\n,\r\n');
    expect(() => toCsv(['a', 'b'], [['only one']])).toThrow('CSV record 1 has 1 fields, the header 2');
  });

  it('round-trips through a strict RFC 4180 reader', () => {
    const rows = [['x,y', 'q"uote', 'line\r\nbreak', ''], ['1', '2', '3', '4']];
    const text = toCsv(['a', 'b', 'c', 'd'], rows);
    expect(parseRfc4180(text)).toEqual([['a', 'b', 'c', 'd'], ...rows]);
  });
});

/** A small strict reader for the round trip (fields quoted or not, CRLF records). */
function parseRfc4180(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let i = 0;
  while (i < text.length) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (text[i] === '"' && text[i + 1] === '"') (field += '"'), (i += 2);
        else if (text[i] === '"') {
          i++;
          break;
        } else field += text[i++];
      }
    } else while (i < text.length && text[i] !== ',' && text[i] !== '\r') field += text[i++];
    record.push(field);
    if (text[i] === ',') i++;
    else if (text.startsWith('\r\n', i)) {
      records.push(record);
      record = [];
      i += 2;
    } else throw new Error(`unexpected ${JSON.stringify(text[i])} at ${i}`);
  }
  return records;
}
