// Writes one face of a TrueType Collection (.ttc) as a standalone .ttf, its tables copied byte for byte:
// how core/report/fonts/WenQuanYiMicroHei.ttf was made from Debian's wqy-microhei.ttc (pdf-lib embeds a
// single font, not a collection). Usage: node scripts/extract-ttc-face.mjs <in.ttc> <face index> <out.ttf>
import { readFileSync, writeFileSync } from 'node:fs';

const [input, faceText, output] = process.argv.slice(2);
if (!input || !faceText || !output) {
  console.error('usage: node scripts/extract-ttc-face.mjs <in.ttc> <face index> <out.ttf>');
  process.exit(2);
}
const ttc = readFileSync(input);
if (ttc.toString('latin1', 0, 4) !== 'ttcf') throw new Error(`${input}: not a TrueType Collection (no 'ttcf' tag)`);
const faces = ttc.readUInt32BE(8);
const face = Number(faceText);
if (!Number.isInteger(face) || face < 0 || face >= faces) throw new Error(`${input}: has faces 0..${faces - 1}, not ${faceText}`);

// The face's offset table: sfnt version, table count, then 16-byte records (tag, checksum, offset, length).
const base = ttc.readUInt32BE(12 + 4 * face);
const tableCount = ttc.readUInt16BE(base + 4);
const tables = [];
for (let i = 0; i < tableCount; i++) {
  const at = base + 12 + 16 * i;
  tables.push({ tag: ttc.toString('latin1', at, at + 4), checksum: ttc.readUInt32BE(at + 4), offset: ttc.readUInt32BE(at + 8), length: ttc.readUInt32BE(at + 12) });
}

const pad4 = (n) => (n + 3) & ~3;
const headerLength = 12 + 16 * tableCount;
let size = headerLength;
for (const t of tables) size += pad4(t.length);
const out = Buffer.alloc(size);
ttc.copy(out, 0, base, base + 12); // sfnt version, count and the binary-search fields stay as they were
let at = headerLength;
tables.forEach((t, i) => {
  const record = 12 + 16 * i;
  out.write(t.tag, record, 'latin1');
  out.writeUInt32BE(t.checksum, record + 4);
  out.writeUInt32BE(at, record + 8);
  out.writeUInt32BE(t.length, record + 12);
  ttc.copy(out, at, t.offset, t.offset + t.length);
  t.newOffset = at;
  at += pad4(t.length);
});

// head.checkSumAdjustment = 0xB1B0AFBA minus the sum of the whole font (computed with it set to zero).
const head = tables.find((t) => t.tag === 'head');
if (head) {
  out.writeUInt32BE(0, head.newOffset + 8);
  let sum = 0;
  for (let i = 0; i < out.length; i += 4) sum = (sum + out.readUInt32BE(i)) >>> 0;
  out.writeUInt32BE((0xb1b0afba - sum) >>> 0, head.newOffset + 8);
}
writeFileSync(output, out);
console.log(`${output}: face ${face} of ${faces}, ${tableCount} tables, ${out.length} bytes`);
