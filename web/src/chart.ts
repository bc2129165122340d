const SVG = "http://www.w3.org/2000/svg";

/** One line of a chart. Each line is scaled to its own maximum, so counts and seconds share a plot. */
export interface Series {
  readonly label: string;
  /** CSS class giving the line its colour. */
  readonly className: string;
  /** Oldest first; the newest value is drawn at the right edge. */
  readonly values: readonly number[];
}

export interface ChartSize {
  readonly width: number;
  readonly height: number;
  /** Samples across the full width: the chart scrolls left as new ones arrive. */
  readonly capacity: number;
}

/**
 * A small inline SVG line chart: enough to see a queue fill and drain over the last minutes without
 * a charting library.
 */
export function lineChart(series: readonly Series[], size: ChartSize): SVGSVGElement {
  const svg = svgElement("svg", { viewBox: `0 0 ${size.width} ${size.height}`, class: "chart", role: "img" });
  const title = svgElement("title", {});
  title.textContent = series.map((line) => line.label).join(" and ");
  svg.append(title, svgElement("line", { x1: "0", y1: String(size.height - 0.5), x2: String(size.width), y2: String(size.height - 0.5), class: "axis" }));
  const step = size.width / Math.max(1, size.capacity - 1);
  for (const line of series) {
    const values = line.values.slice(-size.capacity);
    const max = Math.max(1, ...values);
    const offset = size.capacity - values.length;
    const points = values.map((value, index) => {
      const x = (offset + index) * step;
      const y = size.height - 1 - (value / max) * (size.height - 4);
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    });
    svg.append(svgElement("polyline", { points: points.join(" "), class: `line ${line.className}` }));
  }
  return svg;
}

function svgElement<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Readonly<Record<string, string>>): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  return element;
}
