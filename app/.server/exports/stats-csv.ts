// The stats JSON as CSV rows `metric,value`: every leaf of the object under its dotted path, in the JSON's order,
// with the very same values (rates as fractions, money as decimal strings, null as an empty cell).
import type { Stats } from "../analytics/stats";
import { csvLine, type CsvValue } from "./csv";

export function statsRows(value: unknown, path = ""): [string, CsvValue][] {
  if (value !== null && typeof value === "object") {
    return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) => statsRows(child, path ? `${path}.${key}` : key));
  }
  return [[path, value as CsvValue]];
}

export function statsCsv(stats: Stats): string {
  return csvLine(["metric", "value"]) + statsRows(stats).map(([metric, value]) => csvLine([metric, value])).join("");
}
