// shopify.i18n.translate as the checkout host does it, from this extension's locale files: nested keys by
// dots and {{name}} placeholders. The tester's default translate echoes keys; the real strings are what the
// buyer reads, so the tests check them.
import de from "../locales/de.json";
import en from "../locales/en.default.json";

type Messages = { [key: string]: string | Messages };
const locales: Record<"en" | "de", Messages> = { en, de };

export function translator(locale: "en" | "de") {
  return (key: string, options: Record<string, unknown> = {}): string => {
    const found = key.split(".").reduce<string | Messages | undefined>((node, part) => (typeof node === "object" ? node[part] : undefined), locales[locale]);
    if (typeof found !== "string") throw new Error(`missing translation ${locale}:${key}`);
    return found.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
      if (!(name in options)) throw new Error(`translation ${locale}:${key} needs {{${name}}}`);
      return String(options[name]);
    });
  };
}
