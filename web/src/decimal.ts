// Exact arithmetic on the API's decimal strings ("1560.00"), with BigInt: money never passes
// through binary floating point.

// "12.3" at scale 2 -> 1230n; null when the text is not a decimal with at most `scale` decimals.
export function toScaled(text: string, scale: number): bigint | null {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!match || (match[3] ?? '').length > scale) return null;
  const digits = match[2] + (match[3] ?? '').padEnd(scale, '0');
  const value = BigInt(digits);
  return match[1] ? -value : value;
}

export function fromScaled(value: bigint, scale: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

// The sum of money amounts (2 decimals); amounts that are not decimals count as zero.
export function sumMoney(amounts: (string | undefined)[]): string {
  let total = 0n;
  for (const amount of amounts) total += amount ? (toScaled(amount, 2) ?? 0n) : 0n;
  return fromScaled(total, 2);
}

export function isPositive(text: string, scale: number): boolean {
  const value = toScaled(text, scale);
  return value !== null && value > 0n;
}
