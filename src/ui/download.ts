/** Files the user saves: built in memory, handed to the browser's download, never sent anywhere. */

export function downloadBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  // Revoked later: Chromium starts the download asynchronously after the click.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function downloadText(text: string, name: string, type: string): void {
  downloadBlob(new Blob([text], { type }), name);
}

/** The chart's SVG as a standalone file: recharts draws with attributes, so the markup carries its colours. */
export function chartSvg(container: HTMLElement): string | null {
  const svg = container.querySelector('svg.recharts-surface');
  if (!svg) return null;
  const copy = svg.cloneNode(true) as SVGSVGElement;
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  const { width, height } = svg.getBoundingClientRect();
  copy.setAttribute('width', String(Math.round(width)));
  copy.setAttribute('height', String(Math.round(height)));
  // White behind the chart, or viewers show the transparent parts as black or checkered.
  const bg = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  bg.setAttribute('width', '100%');
  bg.setAttribute('height', '100%');
  bg.setAttribute('fill', '#ffffff');
  copy.insertBefore(bg, copy.firstChild);
  copy.setAttribute('font-family', 'system-ui, sans-serif');
  return new XMLSerializer().serializeToString(copy);
}

export function saveSvg(container: HTMLElement, name: string): boolean {
  const svg = chartSvg(container);
  if (!svg) return false;
  downloadText(svg, `${name}.svg`, 'image/svg+xml');
  return true;
}

/** Rasterises the SVG through an <img> (allowed by the page's img-src blob:) at twice the size for sharp print. */
export async function savePng(container: HTMLElement, name: string): Promise<boolean> {
  const svg = chartSvg(container);
  if (!svg) return false;
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    await new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error('The chart could not be drawn as an image.'));
      img.src = url;
    });
    const scale = 2;
    const canvas = document.createElement('canvas');
    canvas.width = img.width * scale;
    canvas.height = img.height * scale;
    const ctx = canvas.getContext('2d');
    if (!ctx) return false;
    ctx.scale(scale, scale);
    ctx.drawImage(img, 0, 0);
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
    if (!blob) return false;
    downloadBlob(blob, `${name}.png`);
    return true;
  } finally {
    URL.revokeObjectURL(url);
  }
}
