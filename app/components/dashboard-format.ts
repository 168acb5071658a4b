// How the dashboard prints the stats JSON's values (shared with the browser test, which checks the page against it).

export function formatPercent(fraction: number, locale: string): string {
  return new Intl.NumberFormat(locale, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(fraction);
}

export function formatCount(n: number, locale: string): string {
  return new Intl.NumberFormat(locale).format(n);
}

export function formatMoney(amount: string, currency: string, locale: string): string {
  return new Intl.NumberFormat(locale, { style: "currency", currency }).format(Number(amount));
}

/** Percentage points with a sign, e.g. "+4.2 pp" / "+4,2 Pp.". */
export function formatPoints(fraction: number, locale: string): string {
  const value = new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1, signDisplay: "always" }).format(fraction * 100);
  return `${value} ${locale.startsWith("de") ? "Pp." : "pp"}`;
}

export function formatScore(score: number, locale: string): string {
  return new Intl.NumberFormat(locale, { minimumFractionDigits: 0, maximumFractionDigits: 1, signDisplay: "exceptZero" }).format(score);
}
