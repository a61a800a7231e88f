// IntOrString resolution with intstr.GetScaledValueFromIntOrPercent's semantics: an integer is
// itself, "N%" is N percent of `total` rounded down (maxUnavailable) or up (maxSurge), and any
// other string is an error.
import type { IntOrString } from './types';

export type ScaledValue = { ok: true; value: number } | { ok: false; error: string };

/** strconv.Atoi: optional sign and decimal digits. */
const ATOI_RE = /^[+-]?[0-9]+$/;

export function scaledValueFromIntOrPercent(
  value: IntOrString,
  total: number,
  roundUp: boolean,
): ScaledValue {
  if (typeof value === 'number') return { ok: true, value: Math.trunc(value) };
  if (!value.endsWith('%')) {
    return { ok: false, error: 'invalid type: string is not a percentage' };
  }
  const digits = value.slice(0, -1);
  if (!ATOI_RE.test(digits)) {
    return { ok: false, error: `invalid value ${JSON.stringify(value)}: invalid syntax` };
  }
  const percent = Number.parseInt(digits, 10);
  const scaled = (percent * total) / 100;
  return { ok: true, value: roundUp ? Math.ceil(scaled) : Math.floor(scaled) };
}

/** The percent of a valid "N%" string, or undefined for an integer or an invalid string. */
export function percentValue(value: IntOrString): number | undefined {
  if (typeof value !== 'string' || !/^[0-9]+%$/.test(value)) return undefined;
  return Number.parseInt(value.slice(0, -1), 10);
}
