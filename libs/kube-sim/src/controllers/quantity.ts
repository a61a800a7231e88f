/**
 * Kubernetes resource quantities (`100m`, `2Gi`, `1e3`, `8`): parsed to plain numbers in the
 * resource's base unit. CPU is compared in millicores, everything else in whole units, rounded up
 * the way the API server rounds a quantity to its canonical integer form.
 */

const SUFFIXES: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const QUANTITY =
  /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;

/** The value of a quantity in base units (cores, bytes, devices); NaN when it does not parse. */
export function parseQuantity(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return NaN;
  const match = QUANTITY.exec(value.trim());
  if (!match) return NaN;
  const base = Number(match[1]);
  if (match[2]) return Number(match[1] + match[2]);
  return base * SUFFIXES[match[3] ?? ''];
}

/** Quantity in the unit the scheduler compares: millicores for cpu, integers otherwise. */
export function resourceAmount(resource: string, value: unknown): number {
  const parsed = parseQuantity(value);
  if (!Number.isFinite(parsed)) return 0;
  if (resource === 'cpu') return Math.ceil(parsed * 1000 - 1e-9);
  return Math.ceil(parsed - 1e-9);
}

/** Formats an amount back for messages: `1500m`, `2`, `512Mi`. */
export function formatAmount(resource: string, amount: number): string {
  if (resource === 'cpu') return amount % 1000 === 0 ? String(amount / 1000) : `${amount}m`;
  for (const [suffix, factor] of [
    ['Ti', 2 ** 40],
    ['Gi', 2 ** 30],
    ['Mi', 2 ** 20],
    ['Ki', 2 ** 10],
  ] as const) {
    if (amount >= factor && amount % factor === 0) return `${amount / factor}${suffix}`;
  }
  return String(amount);
}
