// CSV for the merchant's exports: the consent log's field escaping (a cell a spreadsheet would run as a formula,
// = + - @, gets a leading apostrophe), except for numbers Momento computed itself, which stay numbers.
import { csvField } from "../consent/subscribers";

export type CsvValue = string | number | boolean | null | undefined;

export function csvCell(value: CsvValue): string {
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  if (typeof value === "boolean") return value ? "true" : "false";
  return csvField(value);
}

export function csvLine(values: CsvValue[]): string {
  return `${values.map(csvCell).join(",")}\r\n`;
}

/** The byte-order mark makes spreadsheet apps read the file as UTF-8. */
export const CSV_BOM = "\uFEFF";

export function csvHeaders(filename: string): Record<string, string> {
  return { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="${filename}"`, "Cache-Control": "no-store" };
}
