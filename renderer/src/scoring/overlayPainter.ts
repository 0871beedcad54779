import { getEnabledElements, Enums, type Types } from '@cornerstonejs/core';

/** One RGBA image (width × height, the image's pixel grid) drawn over the viewport at an opacity. */
export interface OverlayLayer {
  rgba: Uint8ClampedArray<ArrayBuffer>;
  width: number;
  height: number;
  opacity: number;
}

/**
 * The on-page stack viewport that holds this imageId (the viewer's, not a thumbnail renderer's),
 * or null before it exists.
 */
export function findStackViewport(imageId: string): Types.IStackViewport | null {
  for (const enabled of getEnabledElements()) {
    const viewport = enabled?.viewport;
    if (viewport?.type !== Enums.ViewportType.STACK || !viewport.element.isConnected) continue;
    const stack = viewport as Types.IStackViewport;
    if (stack.getImageIds().includes(imageId)) return stack;
  }
  return null;
}

type Point2 = [number, number];

/**
 * A canvas laid over a cornerstone viewport that draws label images on the displayed image's pixel
 * grid. The three canvas points of the image corners (from worldToCanvas) define an affine map, so
 * pan, zoom, rotation and flips all carry over; it is redrawn on every render of the viewport.
 */
export class OverlayPainter {
  readonly canvas: HTMLCanvasElement;
  private readonly scratch = document.createElement('canvas');

  constructor(readonly viewport: Types.IStackViewport) {
    this.canvas = document.createElement('canvas');
    this.canvas.dataset.testid = 'mask-overlay';
    Object.assign(this.canvas.style, {
      position: 'absolute',
      left: '0',
      top: '0',
      width: '100%',
      height: '100%',
      pointerEvents: 'none',
      zIndex: '2',
    });
    // cornerstone's own positioned wrapper holds its canvas; ours sits on top of it, the same size.
    const host = viewport.element.querySelector<HTMLElement>('.viewport-element') ?? viewport.element;
    host.appendChild(this.canvas);
  }

  get attached(): boolean {
    return this.canvas.isConnected && this.viewport.element.isConnected;
  }

  /** Clears, then draws each layer; returns false when the layers do not fit the displayed image. */
  draw(layers: OverlayLayer[]): boolean {
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return false;
    const dpr = window.devicePixelRatio || 1;
    const cssWidth = this.canvas.clientWidth;
    const cssHeight = this.canvas.clientHeight;
    if (this.canvas.width !== Math.round(cssWidth * dpr)) this.canvas.width = Math.round(cssWidth * dpr);
    if (this.canvas.height !== Math.round(cssHeight * dpr)) this.canvas.height = Math.round(cssHeight * dpr);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    if (layers.length === 0) return true;

    const imageData = this.viewport.getImageData();
    if (!imageData) return false;
    const [columns, rows] = imageData.dimensions;
    if (layers.some((l) => l.width !== columns || l.height !== rows)) return false;

    const { origin, spacing, direction } = imageData;
    // Pixel centres sit at integer indices, so the image's outer corners are at -0.5.
    const canvasAt = (i: number, j: number): Point2 => {
      const worldPos: Types.Point3 = [0, 1, 2].map(
        (k) => origin[k] + i * spacing[0] * direction[k] + j * spacing[1] * direction[3 + k],
      ) as Types.Point3;
      const canvasPos = this.viewport.worldToCanvas(worldPos);
      return [canvasPos[0], canvasPos[1]];
    };
    const topLeft = canvasAt(-0.5, -0.5);
    const topRight = canvasAt(columns - 0.5, -0.5);
    const bottomLeft = canvasAt(-0.5, rows - 0.5);
    const perColumn: Point2 = [(topRight[0] - topLeft[0]) / columns, (topRight[1] - topLeft[1]) / columns];
    const perRow: Point2 = [(bottomLeft[0] - topLeft[0]) / rows, (bottomLeft[1] - topLeft[1]) / rows];

    this.scratch.width = columns;
    this.scratch.height = rows;
    const scratchCtx = this.scratch.getContext('2d');
    if (!scratchCtx) return false;
    ctx.imageSmoothingEnabled = false;
    for (const layer of layers) {
      scratchCtx.putImageData(new ImageData(layer.rgba, columns, rows), 0, 0);
      ctx.globalAlpha = layer.opacity;
      ctx.setTransform(dpr * perColumn[0], dpr * perColumn[1], dpr * perRow[0], dpr * perRow[1], dpr * topLeft[0], dpr * topLeft[1]);
      ctx.drawImage(this.scratch, 0, 0);
    }
    ctx.globalAlpha = 1;
    return true;
  }

  destroy(): void {
    this.canvas.remove();
  }
}
