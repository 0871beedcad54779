/**
 * dicom-parser's failures in words for a reason a person reads. It throws strings, Errors or
 * `{ exception, dataSet }` naming its own functions and parameters ("dicomParser.ByteStream:
 * parameter 'position' cannot be greater than or equal to 'byteArray' length"); each says one of
 * a few things about the file, and the byte offset it gives is kept.
 */
/**
 * dicom-parser throws strings, Errors, or `{ exception, dataSet }` (codecs throw numbers and objects too); this gets
 * the message out, for matching or for quoting inside a reason of our own.
 */
export function parserMessage(e: unknown): string {
  if (typeof e === 'string') return e;
  if (e instanceof Error) return e.message || e.name;
  if (e && typeof e === 'object' && 'exception' in e) return parserMessage((e as { exception: unknown }).exception);
  return String(e);
}

const WORDS: [RegExp, (m: RegExpExecArray) => string][] = [
  [/item tag \(FFFE,E000\) not found at offset (\d+)/i, (m) => `a sequence item tag (FFFE,E000) is missing at byte ${m[1]}`],
  [/invalid value for parameter 'maxP ?osition'/i, () => 'an element or item claims more bytes than the sequence, item or file holding it'],
  [/parameter 'position' cannot be greater than or equal to 'byteArray' length/i, () => 'an element starts past the end of the data (a length before it is too large)'],
  [/position cannot be less than 0|parameter 'position' cannot be less than 0/i, () => 'an element position before the start of the data (a garbled length)'],
  [/length cannot be less than 0/i, () => 'a value with a negative length'],
  [/attempt to read past end of buffer/i, () => 'a value runs past the end of the data'],
  [/buffer overrun/i, () => 'an element runs past the end of the data set'],
  [/missing required meta header attribute 0002,0010/i, () => 'the file meta header lacks Transfer Syntax UID (0002,0010)'],
  [/DICM prefix not found/i, () => 'no "DICM" marker at byte 128'],
  [/eof encountered before finding (item|sequence) delimit/i, (m) => `the data ends before the ${m[1].toLowerCase()} delimiter`],
  [/invalid (TM|DA) '(.*)'/, (m) => `${m[1] === 'TM' ? 'a time' : 'a date'} value ${JSON.stringify(m[2])} is not valid`],
  [/no inflater available/i, () => 'the deflated data set cannot be inflated'],
  [/call stack/i, () => 'sequences nested too deep to follow'],
  [/Invalid typed array length|Invalid array length|out of bounds|outside the bounds|Offset is outside/i, () => 'a length or offset points outside the data (a garbled length field)'],
  [/Array buffer allocation failed/i, () => 'a declared length too large to allocate'],
];

/** What a dicom-parser failure (or an engine error met while parsing) says about the file, in words. */
export function parserWords(e: unknown): string {
  const message = parserMessage(e);
  for (const [pattern, words] of WORDS) {
    const match = pattern.exec(message);
    if (match) return words(match);
  }
  // Anything else the parser or the engine said is not for a person: say what it means for the file.
  return 'its structure is inconsistent (the parser stopped on it)';
}
