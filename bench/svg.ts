/**
 * A tiny SVG chart writer for the bench's pictures (issue #12 item 5): one time axis, allowed requests per second as a
 * line against the allowed rate (dashed), and 429s per second as bars on the same axis. Hand-written, no dependency:
 * the charts are simple, and a plotting library would be the heaviest thing the bench loads.
 */

export interface RateChart {
  title: string;
  /** Allowed requests in each second from the client's start. */
  allowed: readonly number[];
  /** 429s in each second. */
  limited: readonly number[];
  /** The limiter's allowed rate, requests per second. */
  allowedRate: number;
  /** Seconds: where the run's bound ends (the least time at the allowed rate), drawn as a marker. */
  boundSeconds?: number;
}

const W = 640;
const H = 256;
const M = { left: 48, right: 16, top: 44, bottom: 36 };

const esc = (s: string): string =>
  s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c] as string);

/** A round step for an axis that spans `max` in about `ticks` steps. */
function niceStep(max: number, ticks: number): number {
  const raw = Math.max(max, 1e-9) / ticks;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

const num = (n: number): string => String(Math.round(n * 10) / 10);

export function rateChartSvg(chart: RateChart): string {
  const seconds = Math.max(chart.allowed.length, chart.limited.length, Math.ceil(chart.boundSeconds ?? 0), 1);
  const peak = Math.max(chart.allowedRate * 1.25, ...chart.allowed, ...chart.limited, 1);
  const yStep = niceStep(peak, 5);
  const yMax = Math.ceil(peak / yStep) * yStep;
  const xStep = niceStep(seconds, 8);
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const x = (s: number): number => M.left + (s / seconds) * plotW;
  const y = (v: number): number => M.top + plotH - (v / yMax) * plotH;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<title>${esc(chart.title)}</title>`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${M.left}" y="16" font-size="13" font-weight="bold">${esc(chart.title)}</text>`,
  );
  for (let v = 0; v <= yMax + 1e-9; v += yStep) {
    out.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${num(y(v))}" y2="${num(y(v))}" stroke="#e5e5e5"/>`,
      `<text x="${M.left - 6}" y="${num(y(v) + 4)}" text-anchor="end">${num(v)}</text>`,
    );
  }
  for (let s = 0; s <= seconds + 1e-9; s += xStep) {
    out.push(`<text x="${num(x(s))}" y="${H - M.bottom + 16}" text-anchor="middle">${num(s)}</text>`);
  }
  out.push(
    `<text x="${M.left + plotW / 2}" y="${H - 4}" text-anchor="middle">seconds from the client's start</text>`,
    `<text transform="translate(12 ${M.top + plotH / 2}) rotate(-90)" text-anchor="middle">requests / s</text>`,
  );
  const barW = Math.max(1, plotW / seconds - 1);
  chart.limited.forEach((n, s) => {
    if (n > 0) {
      out.push(
        `<rect x="${num(x(s))}" y="${num(y(n))}" width="${num(barW)}" height="${num(y(0) - y(n))}" fill="#d62728" fill-opacity="0.75"/>`,
      );
    }
  });
  const points = chart.allowed.map((n, s) => `${num(x(s + 0.5))},${num(y(n))}`).join(' ');
  if (points) out.push(`<polyline points="${points}" fill="none" stroke="#1f77b4" stroke-width="1.6"/>`);
  out.push(
    `<line x1="${M.left}" x2="${W - M.right}" y1="${num(y(chart.allowedRate))}" y2="${num(y(chart.allowedRate))}" stroke="#2ca02c" stroke-dasharray="5 4" stroke-width="1.4"/>`,
  );
  if (chart.boundSeconds !== undefined) {
    const bx = num(x(chart.boundSeconds));
    out.push(`<line x1="${bx}" x2="${bx}" y1="${M.top}" y2="${M.top + plotH}" stroke="#999" stroke-dasharray="2 3"/>`);
  }
  const legendY = M.top - 12;
  const legend: [string, string, string][] = [
    ['#1f77b4', 'line', 'allowed req/s'],
    ['#2ca02c', 'dash', `allowed rate (${num(chart.allowedRate)}/s)`],
    ['#d62728', 'bar', '429s /s'],
    ['#999', 'dot', 'bound'],
  ];
  let lx = M.left;
  for (const [color, kind, label] of legend) {
    out.push(
      kind === 'bar'
        ? `<rect x="${lx}" y="${legendY - 7}" width="12" height="8" fill="${color}"/>`
        : `<line x1="${lx}" x2="${lx + 14}" y1="${legendY - 3}" y2="${legendY - 3}" stroke="${color}" stroke-width="2"${kind === 'dash' ? ' stroke-dasharray="4 3"' : kind === 'dot' ? ' stroke-dasharray="2 2"' : ''}/>`,
      `<text x="${lx + 18}" y="${legendY}">${esc(label)}</text>`,
    );
    lx += 18 + label.length * 6 + 12;
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** A file-name-safe slug. */
export function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
