// The viewer's layouts: which viewports each shows. Pure, so the toolbar, the commands and the tests agree.

export type Layout = '1x1' | '1x3' | '2x2';

/** The three volume views, in the order the 1×3 layout shows them. */
export const MPR_AXES = ['axial', 'sagittal', 'coronal'] as const;
export type MprAxis = (typeof MPR_AXES)[number];

export interface LayoutChoice {
  id: Layout;
  label: string;
  title: string;
}

export const layoutChoices: readonly LayoutChoice[] = [
  { id: '1x1', label: '1×1', title: 'One stack view of the series as acquired' },
  { id: '1x3', label: '1×3', title: 'Axial, sagittal and coronal views of the series as a volume' },
  { id: '2x2', label: '2×2', title: 'The stack view and the axial, sagittal and coronal volume views' },
];

export interface LayoutPanes {
  /** The stack viewport is visible (it stays mounted, and warm, either way). */
  stack: boolean;
  /** The volume views are shown, so the series' volume is needed. */
  mpr: boolean;
}

export function layoutPanes(layout: Layout): LayoutPanes {
  switch (layout) {
    case '1x1':
      return { stack: true, mpr: false };
    case '1x3':
      return { stack: false, mpr: true };
    case '2x2':
      return { stack: true, mpr: true };
  }
}

export const isLayout = (value: string): value is Layout => layoutChoices.some((c) => c.id === value);
