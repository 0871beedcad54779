// Every drawing action as a named command (OHIF's commandsModule): the toolbar, the keyboard and the tests run these.
import type { PrimaryTool } from '../lib/cornerstone/stackController';
import { layoutChoices, type Layout } from '../viewer/layout';

/** What the commands act on: the viewer's tool and the segmentation state (the app passes its own; tests pass fakes). */
export interface CommandTarget {
  /** A series is open in the viewer. */
  readonly hasSeries: boolean;
  readonly primaryTool: PrimaryTool;
  setPrimaryTool(tool: PrimaryTool): void;
  /** The viewer's layout (stack, MPR, both). */
  readonly layout: Layout;
  setLayout(layout: Layout): void;
  /** Opens a right-edge dock by its tab's id (e.g. REPORT_DOCK_ID), closing the one open. */
  openDock(id: string): void;
  /** Archive search: ranks the archive's images by likeness to the image on screen (results in the study browser). */
  readonly search: {
    /** An image is on screen and search can run (a model that embeds, a worker). */
    readonly canFindSimilar: boolean;
    findSimilar(): void;
  };
  readonly segmentation: {
    readonly active: { readonly editable: boolean; addSegment(): void } | null;
    readonly busy: string | null;
    readonly canUndo: boolean;
    readonly canRedo: boolean;
    readonly undoLabel: string | null;
    readonly redoLabel: string | null;
    create(): Promise<void>;
    undo(): void;
    redo(): void;
    resizeBrush(factor: number): void;
    /** What a left press does while the brush tool is bound: paint, threshold brush, region grow, contour fill, scissors, rectangle fill or scissors. */
    readonly drawMode: DrawModeId;
    setDrawMode(mode: DrawModeId): void;
    /** Whole-segment tools on the chosen segment (each one history operation). */
    interpolate(): void;
    removeIslands(): void;
    keepLargest(): void;
  };
}

export interface Command {
  id: string;
  label: string;
  /** Key chords as chordOf (lib/shortcuts) writes them: 'b', '[', 'Ctrl+z', 'Ctrl+Shift+z'. */
  keys: readonly string[];
  /** Whether it can run now (a disabled toolbar button, an ignored key). */
  enabled(target: CommandTarget): boolean;
  run(target: CommandTarget): void;
  /** For a toggle button: whether it is on now. */
  pressed?(target: CommandTarget): boolean;
  /** A longer text for the tooltip, when the label is not enough. */
  describe?(target: CommandTarget): string;
}

type DrawModeId = 'paint' | 'threshold' | 'grow' | 'contour' | 'scissors' | 'rectangle' | 'rectangleScissors';

const BRUSH_STEP = 1.25;

const drawable = (t: CommandTarget): boolean => t.segmentation.active?.editable === true;

/** The brush tool in one of its modes (plain, threshold brush, region grow): left-drag or a click on the image. */
const brushModeCommands: readonly Command[] = (
  [
    ['tool.brush', 'Brush', 'b', 'paint', 'Left-drag paints the chosen segment (b); [ and ] change the size'],
    ['tool.thresholdBrush', 'Threshold', 't', 'threshold', 'Left-drag paints only pixels in the HU range chosen in the Segments panel (t); [ and ] change the size'],
    ['tool.regionGrow', 'Grow', 'g', 'grow', 'Click grows the chosen segment over the connected pixels within the HU tolerance of the clicked one, on this slice (g)'],
    ['tool.contour', 'Contour', 'c', 'contour', 'Left-drag a closed freehand outline: its inside joins the chosen segment on this slice (c)'],
    ['tool.scissors', 'Scissors', 's', 'scissors', 'Left-drag a closed freehand outline: its inside is cut from the chosen segment on this slice (s)'],
    // Shift with the freehand tool's key: the same fill or cut, over a rectangle (cornerstone's RectangleScissors).
    ['tool.rectangleFill', 'Rect fill', 'C', 'rectangle', 'Left-drag a rectangle from corner to corner: its inside joins the chosen segment on this slice (Shift+C)'],
    ['tool.rectangleScissors', 'Rect cut', 'S', 'rectangleScissors', 'Left-drag a rectangle from corner to corner: its inside is cut from the chosen segment on this slice (Shift+S)'],
  ] as const
).map(([id, label, key, mode, description]) => ({
  id,
  label,
  keys: [key],
  enabled: (t: CommandTarget) => t.hasSeries,
  run: (t: CommandTarget) => {
    t.segmentation.setDrawMode(mode);
    t.setPrimaryTool('brush');
  },
  pressed: (t: CommandTarget) => t.primaryTool === 'brush' && t.segmentation.drawMode === mode,
  describe: () => description,
}));

/** Left-drag measures: one command per measurement kind (the tool draws it; drawn ones stay editable). */
const measureCommands: readonly Command[] = (
  [
    ['windowLevel', 'W/L', 'w', 'Left-drag adjusts window/level (w)'],
    ['length', 'Length', 'l', 'Left-drag measures a length (l)'],
    ['angle', 'Angle', 'a', 'Click three points: the angle at the middle one (a)'],
    ['ellipse', 'Ellipse', 'o', 'Left-drag draws an elliptical ROI: area, mean, SD, min, max (o)'],
    ['rectangle', 'Rectangle', 'q', 'Left-drag draws a rectangular ROI: area, mean, SD, min, max (q)'],
  ] as const
).map(([tool, label, key, description]) => ({
  id: `tool.${tool}`,
  label,
  keys: [key],
  enabled: (t: CommandTarget) => t.hasSeries || tool === 'windowLevel',
  run: (t: CommandTarget) => t.setPrimaryTool(tool),
  pressed: (t: CommandTarget) => t.primaryTool === tool,
  describe: () => description,
}));

/** One command per layout: 1×1 stack, 1×3 MPR, 2×2 stack and MPR. */
const layoutCommands: readonly Command[] = layoutChoices.map((choice) => ({
  id: `layout.${choice.id}`,
  label: choice.label,
  keys: [],
  enabled: () => true,
  run: (t: CommandTarget) => t.setLayout(choice.id),
  pressed: (t: CommandTarget) => t.layout === choice.id,
  describe: () => choice.title,
}));

/** The Report dock's id in the docks' layout (its tab's test id). */
export const REPORT_DOCK_ID = 'report-toggle';

export const commands: readonly Command[] = [
  ...measureCommands,
  ...layoutCommands,
  {
    id: 'report.open',
    label: 'Report',
    // 'r' resets the view; Shift+R opens the report.
    keys: ['R'],
    enabled: () => true,
    run: (t) => t.openDock(REPORT_DOCK_ID),
    describe: () => 'Opens the Report dock: findings, AI texts, key images, signing and the PDF (Shift+R)',
  },
  {
    id: 'search.similar',
    label: 'Find similar images',
    // 'f' fits the image; Shift+F finds images like it.
    keys: ['F'],
    enabled: (t) => t.search.canFindSimilar,
    run: (t) => t.search.findSimilar(),
    describe: () => 'Ranks the archive’s images by likeness to the one on screen; the results show in the study browser (Shift+F)',
  },
  {
    id: 'segmentation.new',
    label: 'New segmentation',
    keys: [],
    enabled: (t) => t.hasSeries && t.segmentation.busy === null,
    run: (t) => void t.segmentation.create(),
  },
  {
    id: 'segmentation.addSegment',
    label: 'Add segment',
    keys: [],
    enabled: drawable,
    run: (t) => t.segmentation.active?.addSegment(),
  },
  ...brushModeCommands,
  {
    id: 'tool.eraser',
    label: 'Eraser',
    keys: ['e'],
    enabled: (t) => t.hasSeries,
    run: (t) => t.setPrimaryTool('eraser'),
    pressed: (t) => t.primaryTool === 'eraser',
    describe: () => 'Left-drag erases the chosen segment (e); [ and ] change the size',
  },
  {
    id: 'brush.smaller',
    label: 'Brush smaller',
    keys: ['['],
    enabled: (t) => t.hasSeries,
    run: (t) => t.segmentation.resizeBrush(1 / BRUSH_STEP),
  },
  {
    id: 'brush.larger',
    label: 'Brush larger',
    keys: [']'],
    enabled: (t) => t.hasSeries,
    run: (t) => t.segmentation.resizeBrush(BRUSH_STEP),
  },
  {
    id: 'segment.interpolate',
    label: 'Interpolate',
    keys: ['n'],
    enabled: drawable,
    run: (t) => t.segmentation.interpolate(),
    describe: () => 'Fills the empty slices between drawn slices of the chosen segment (n)',
  },
  {
    id: 'segment.removeIslands',
    label: 'Remove islands',
    keys: ['x'],
    enabled: drawable,
    run: (t) => t.segmentation.removeIslands(),
    describe: () => 'Removes the chosen segment’s pieces smaller than the size set in the Segments panel (x)',
  },
  {
    id: 'segment.keepLargest',
    label: 'Keep largest',
    keys: ['k'],
    enabled: drawable,
    run: (t) => t.segmentation.keepLargest(),
    describe: () => 'Keeps only the chosen segment’s largest connected piece (k)',
  },
  {
    id: 'edit.undo',
    label: 'Undo',
    keys: ['Ctrl+z'],
    enabled: (t) => t.segmentation.canUndo,
    run: (t) => t.segmentation.undo(),
    describe: (t) => (t.segmentation.undoLabel ? `Undo ${t.segmentation.undoLabel} (Ctrl+Z)` : 'Nothing to undo (Ctrl+Z)'),
  },
  {
    id: 'edit.redo',
    label: 'Redo',
    keys: ['Ctrl+Shift+z', 'Ctrl+y'],
    enabled: (t) => t.segmentation.canRedo,
    run: (t) => t.segmentation.redo(),
    describe: (t) => (t.segmentation.redoLabel ? `Redo ${t.segmentation.redoLabel} (Ctrl+Shift+Z)` : 'Nothing to redo (Ctrl+Shift+Z)'),
  },
];

/** The view toolbar's tool buttons, in order (each must name a command; the unit test checks). */
export const measureToolbarCommandIds: readonly string[] = measureCommands.map((c) => c.id);
export const layoutToolbarCommandIds: readonly string[] = layoutCommands.map((c) => c.id);

/** The toolbar's drawing buttons, in order (each must name a command; the unit test checks). */
export const drawToolbarCommandIds: readonly string[] = [
  'tool.brush',
  'tool.thresholdBrush',
  'tool.regionGrow',
  'tool.contour',
  'tool.scissors',
  'tool.rectangleFill',
  'tool.rectangleScissors',
  'tool.eraser',
  'brush.smaller',
  'brush.larger',
  'segment.interpolate',
  'segment.removeIslands',
  'segment.keepLargest',
  'edit.undo',
  'edit.redo',
];

export function commandById(id: string): Command {
  const command = commands.find((c) => c.id === id);
  if (!command) throw new Error(`no command ${id}`);
  return command;
}

/** The command a key chord runs, or null. */
export const commandForChord = (chord: string): Command | null => commands.find((c) => c.keys.includes(chord)) ?? null;

/** Runs a command when it is enabled; true when it ran. */
export function runCommand(id: string, target: CommandTarget): boolean {
  const command = commandById(id);
  if (!command.enabled(target)) return false;
  command.run(target);
  return true;
}
