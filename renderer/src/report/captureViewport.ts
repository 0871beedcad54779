// The viewport as shown, as PNG bytes: cornerstone's image canvas with every canvas and SVG layer drawn over it.

/**
 * Composites, in page order, every visible canvas inside the viewport element (the image, labelmap and
 * mask overlays) and its SVG layers (measurements), at device pixels. An SVG layer that cannot be drawn
 * (a tainted canvas) is left out rather than losing the image: `withAnnotations` says whether it is in.
 */
export async function captureViewportPng(element: HTMLElement): Promise<{ png: Uint8Array; withAnnotations: boolean }> {
  const box = element.getBoundingClientRect();
  if (box.width < 1 || box.height < 1) throw new Error('the viewport has no size on screen');
  const scale = window.devicePixelRatio || 1;
  const svgs = [...element.querySelectorAll('svg')].filter(visible);
  const svgImages = (await Promise.all(svgs.map((svg) => svgImage(svg).catch(() => null)))).filter((s): s is { image: HTMLImageElement; rect: DOMRect } => s !== null);
  const withAnnotations = svgImages.length > 0;
  try {
    return { png: await compose(element, box, scale, svgImages), withAnnotations };
  } catch (e) {
    if (!withAnnotations) throw e;
    return { png: await compose(element, box, scale, []), withAnnotations: false };
  }
}

async function compose(element: HTMLElement, box: DOMRect, scale: number, svgImages: { image: HTMLImageElement; rect: DOMRect }[]): Promise<Uint8Array> {
  const out = document.createElement('canvas');
  out.width = Math.round(box.width * scale);
  out.height = Math.round(box.height * scale);
  const ctx = out.getContext('2d');
  if (!ctx) throw new Error('the browser gave no 2D canvas to draw the key image on');
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, out.width, out.height);
  const place = (rect: DOMRect) => [(rect.left - box.left) * scale, (rect.top - box.top) * scale, rect.width * scale, rect.height * scale] as const;
  for (const canvas of element.querySelectorAll('canvas')) {
    if (!visible(canvas) || canvas.width === 0 || canvas.height === 0) continue;
    ctx.drawImage(canvas, ...place(canvas.getBoundingClientRect()));
  }
  for (const { image, rect } of svgImages) ctx.drawImage(image, ...place(rect));
  const blob = await new Promise<Blob | null>((resolve) => out.toBlob(resolve, 'image/png'));
  if (!blob) throw new Error('the browser could not encode the viewport as PNG');
  return new Uint8Array(await blob.arrayBuffer());
}

const visible = (node: Element): boolean => {
  if (node.getClientRects().length === 0) return false;
  const style = getComputedStyle(node);
  return style.visibility !== 'hidden' && style.display !== 'none' && style.opacity !== '0';
};

/** An SVG layer as an image of its on-screen size (its styles are attributes, as cornerstone writes them). */
async function svgImage(svg: SVGSVGElement): Promise<{ image: HTMLImageElement; rect: DOMRect }> {
  const rect = svg.getBoundingClientRect();
  const copy = svg.cloneNode(true) as SVGSVGElement;
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  copy.setAttribute('width', String(rect.width));
  copy.setAttribute('height', String(rect.height));
  const url = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(new XMLSerializer().serializeToString(copy))}`;
  const image = new Image();
  image.src = url;
  await image.decode();
  return { image, rect };
}
