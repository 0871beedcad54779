import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ImportError } from '../core/contract/dicom';
import { ioErrorText } from '../core/fs/io-error';
import { scanPaths } from '../core/dicom/indexer';
import { wlPresets } from '../core/imaging/presets';
import type { AppliedRendering, RenderOptions } from '../core/render/render-frame';
import { sharedHeaderSandbox } from '../core/sandbox/header-sandbox';
import { sharedReaderSandbox } from '../core/sandbox/reader-sandbox';
import { UsageError, type CliCommand } from './command';
import { defineCommand, helpText, parseCommandLine } from './options';
import { shown } from './index-command';

/** `C,W`: window centre and width in modality units, the width above 0. */
function parseWindow(text: string, flag: string): { center: number; width: number } {
  const parts = text.split(',').map((p) => p.trim());
  const numbers = parts.map(Number);
  if (parts.length !== 2 || parts.some((p) => p === '') || !numbers.every(Number.isFinite) || !(numbers[1] > 0)) {
    throw new UsageError(`${flag} takes centre,width with a width above 0 (got '${text}')`);
  }
  return { center: numbers[0], width: numbers[1] };
}

const presets = wlPresets.flatMap((p) => (p.voi ? [{ id: p.id, voi: p.voi }] : []));

const command = defineCommand({
  name: 'render',
  positionals: {
    synopsis: '<file|dir>',
    min: 1,
    max: 1,
    missing: 'give a DICOM file or folder to render',
    tooMany: 'give one file or folder',
    help: [
      ['<file>', 'one DICOM file: frame N (default 1) is written to --out (a .png path, or a folder)'],
      [
        '<dir>',
        `every image under the folder (found as 'vesalius index' finds them), one PNG per
frame, into the folder --out, at the file's relative path: <name>.png, or
<name>-f0003.png for the frames of a multi-frame file (with --frame, only frame N)`,
      ],
    ],
  },
  about: `Renders DICOM images to 8-bit PNG (grey, or RGB for colour) as the viewer shows them: the modality
LUT (rescale slope/intercept), the file's own window (else the data's range), MONOCHROME1 inverted,
palette colour and RGB/YBR converted. Decodes native, deflated, RLE, JPEG (baseline, extended,
lossless), JPEG-LS, JPEG 2000 and HTJ2K pixel data.`,
  options: {
    out: { kind: 'string', value: '<png|dir>', required: 'a .png file, or a folder', help: 'where to write (required)' },
    frame: { kind: 'int', min: 1, help: '1-based frame number (DICOM numbering)' },
    window: { kind: 'custom', parse: parseWindow, value: 'C,W', help: "window centre and width in modality units (HU for CT), instead of the file's" },
    preset: {
      kind: 'enum',
      values: presets.map((p) => p.id),
      valueHelp: Object.fromEntries(presets.map((p) => [p.id, `C ${p.voi.windowCenter}, W ${p.voi.windowWidth}`])),
      value: 'NAME',
      help: 'a viewer preset (instead of --window):',
    },
    json: { kind: 'boolean', help: 'print one JSON document: { rendered: [what was applied, per PNG], failed, skipped }' },
  },
  notes: `Files that are not images (not DICOM, SR, SEG, no pixel data) are listed as skipped with their reason.
Exit status: 0 when every image was rendered; 1 when any image (or the file given) could not be,
each named with its reason; 2 for usage errors or a path that does not exist.`,
});

interface RenderArgs {
  input: string;
  out: string;
  frame: number | null;
  window: RenderOptions['window'];
  json: boolean;
}

function parseArgs(argv: string[]): RenderArgs | 'help' {
  const parsed = parseCommandLine(command, argv);
  if (parsed === 'help') return 'help';
  const { out, frame, window: userWindow, preset: presetId, json } = parsed.values;
  if (userWindow && presetId) throw new UsageError('give either --window or --preset, once');
  const voi = presets.find((p) => p.id === presetId)?.voi;
  const window: RenderOptions['window'] = userWindow
    ? { ...userWindow, source: 'user' }
    : voi
      ? { center: voi.windowCenter, width: voi.windowWidth, source: 'preset' }
      : undefined;
  return { input: parsed.positionals[0], out, frame: frame ?? null, window, json };
}

interface RenderedEntry extends AppliedRendering {
  file: string;
  output: string;
}

interface Report {
  rendered: RenderedEntry[];
  /** Images (or the file given) that could not be rendered. */
  failed: Array<{ file: string; frame?: number; reason: string }>;
  /** Files that are not images, as the index says. */
  skipped: Array<{ file: string; reason: string }>;
}

/** Index rejections that mean "not an image at all", not "an image we failed on". */
const NOT_AN_IMAGE: ReadonlySet<ImportError['code']> = new Set(['not_dicom', 'not_an_image', 'no_pixel_data']);

/** '<name>' of a file: its base name without a .dcm / .dicom extension. */
const stemOf = (file: string): string => path.basename(file).replace(/\.(dcm|dicom)$/i, '');

const frameSuffix = (frame: number, numberOfFrames: number): string => (numberOfFrames > 1 ? `-f${String(frame).padStart(4, '0')}` : '');

async function isFolder(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Renders the frames of one file the index accepted, on a reader thread with its time and memory limits (a file
 * that hangs or exhausts the decoder fails alone); `target(frame, count)` says where each PNG goes.
 */
async function renderFile(
  file: string,
  frames: number[] | 'all',
  window: RenderOptions['window'],
  target: (frame: number, numberOfFrames: number) => string,
  report: Report,
): Promise<void> {
  const rendered = await sharedReaderSandbox().renderFile(file, frames, window);
  if (!rendered.ok) {
    report.failed.push({ file, reason: rendered.reason });
    return;
  }
  for (const result of rendered.frames) {
    const { frame } = result;
    if (!result.ok) {
      report.failed.push({ file, frame, reason: result.reason });
      continue;
    }
    const output = target(frame, result.applied.numberOfFrames);
    try {
      await mkdir(path.dirname(output), { recursive: true });
      await writeFile(output, result.png);
    } catch (e) {
      report.failed.push({ file, frame, reason: `cannot write ${shown(output)}: ${ioErrorText(e)}` });
      continue;
    }
    report.rendered.push({ file, output, ...result.applied });
  }
}

function formatReport(report: Report): string {
  const lines: string[] = [];
  for (const r of report.rendered) {
    const frame = r.numberOfFrames > 1 ? ` frame ${r.frame}/${r.numberOfFrames}` : '';
    const window = r.window ? `, window C ${r.window.center} W ${r.window.width} (${r.window.source})` : '';
    lines.push(`${shown(r.file)}${frame} → ${shown(r.output)} (${r.columns}×${r.rows} ${r.photometric}, ${r.transferSyntax.name}${window}${r.inverted ? ', inverted' : ''})`);
  }
  if (report.failed.length > 0) {
    lines.push('', `Not rendered (${report.failed.length}):`);
    for (const f of report.failed) lines.push(`  ${shown(f.file)}${f.frame && f.frame > 1 ? ` frame ${f.frame}` : ''}: ${f.reason}`);
  }
  if (report.skipped.length > 0) {
    lines.push('', `Skipped, not images (${report.skipped.length}):`);
    for (const s of report.skipped) lines.push(`  ${shown(s.file)}: ${s.reason}`);
  }
  lines.push('', `${report.rendered.length} PNG(s) written; ${report.failed.length} failed; ${report.skipped.length} skipped.`);
  return lines.join('\n') + '\n';
}

export const renderCommand: CliCommand = async (argv, io) => {
  const args = parseArgs(argv);
  if (args === 'help') {
    io.stdout(helpText(command));
    return 0;
  }
  try {
    await stat(args.input);
  } catch (e) {
    io.stderr(`vesalius render: cannot access '${args.input}': ${ioErrorText(e)}\n`);
    return 2;
  }
  const report: Report = { rendered: [], failed: [], skipped: [] };
  const folderInput = await isFolder(args.input);
  // Through the indexer, so exactly the files `vesalius index` accepts are rendered, and the rest keep its reasons.
  const scan = await scanPaths([args.input], { headerReader: sharedHeaderSandbox() });
  for (const error of scan.walk.errors) report.failed.push({ file: error.path, reason: error.reason });
  const inputRoot = path.resolve(args.input);
  const outIsFolder = folderInput || (await isFolder(args.out)) || /[\\/]$/.test(args.out);

  for (let i = 0; i < scan.inspected.length; i++) {
    const file = scan.inspected[i];
    const outcome = scan.outcomes[i];
    if (outcome.kind === 'error') {
      const entry = { file, reason: outcome.error.reason };
      if (NOT_AN_IMAGE.has(outcome.error.code) && folderInput) report.skipped.push(entry);
      else report.failed.push(entry);
      continue;
    }
    const relativeDir = folderInput ? path.dirname(path.relative(inputRoot, file)) : '.';
    const target = (frame: number, count: number): string =>
      outIsFolder ? path.join(args.out, relativeDir, `${stemOf(file)}${frameSuffix(frame, count)}.png`) : args.out;
    const frames = args.frame !== null ? [args.frame] : folderInput ? 'all' : [1];
    await renderFile(file, frames, args.window, target, report);
  }

  io.stdout(args.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  return report.failed.length > 0 ? 1 : 0;
};
