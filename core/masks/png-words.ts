/**
 * pngjs's failures in words for a reason a person reads: its messages are its own ("There are some
 * read requests waitng on finished stream", "bitblt reading outside image", "Crc error - 123 -
 * 456"); each means one of a few things about the file.
 */
import { inflateErrorWords } from '../compress/zlib-words';

const WORDS: [RegExp, (m: RegExpExecArray) => string][] = [
  [/Invalid file signature/i, () => 'the PNG signature is missing'],
  [/Crc error/i, () => 'a chunk checksum (CRC) does not match its data'],
  [/Expected IHDR/i, () => 'the first chunk is not the IHDR header'],
  [/Unsupported bit depth (\d+)/i, (m) => `bit depth ${m[1]} is not one PNG allows`],
  [/Unsupported color type|unrecognised color Type/i, () => 'the colour type is not one PNG allows'],
  [/Unsupported compression method/i, () => 'the compression method is not deflate'],
  [/Unsupported filter method/i, () => 'the filter method is not one PNG defines'],
  [/Unsupported interlace method/i, () => 'the interlace method is not one PNG defines'],
  [/Unsupported critical chunk type (\S+)/i, (m) => `an unknown critical chunk ${JSON.stringify(m[1])}`],
  [/Unrecognised filter type - (\d+)|unrecognised filter types/i, (m) => (m[1] ? `a row uses filter type ${m[1]}, which PNG does not define` : 'a row uses a filter type PNG does not define')],
  [/Expected palette not found/i, () => 'a palette image without its PLTE palette'],
  [/not in palette/i, () => 'a pixel refers to a palette entry that does not exist'],
  [/More transparent colors than palette size|Transparency chunk must be after palette/i, () => 'the tRNS transparency chunk does not fit the palette'],
  [/read requests waitng on finished stream|Ran out of data|Unexpected end of input|No data provided/i, () => 'the file ends before its chunks do (an IEND or image data chunk is missing or cut off)'],
  [/unrecognised content at end of stream|extra data found/i, () => 'there is data after the image that should not be there'],
  [/bitblt (?:reading|writing) outside image|invalid (?:compressed|inflate) data response|No Inflate block/i, () => 'the image data does not match the header'],
];

/** What a pngjs failure says about the file, in words. */
export function pngWords(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  for (const [pattern, words] of WORDS) {
    const match = pattern.exec(message);
    if (match) return words(match);
  }
  // zlib errors surface through pngjs too.
  if ((e as { code?: unknown })?.code && /^Z_/.test(String((e as { code?: unknown }).code))) return `its image data: ${inflateErrorWords(e)}`;
  return 'its structure is inconsistent (the PNG decoder stopped on it)';
}
