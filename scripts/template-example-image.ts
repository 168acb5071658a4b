// Writes the example image of Momento's IMAGE-header templates to app/.server/templates/assets (see example-image.ts).
import { writeFileSync } from "node:fs";
import path from "node:path";
import { EXAMPLE_IMAGE, exampleImagePng } from "../app/.server/templates/example-image";

const file = path.resolve(import.meta.dirname, "../app/.server/templates/assets", EXAMPLE_IMAGE.fileName);
writeFileSync(file, exampleImagePng());
console.log(`${file}: ${exampleImagePng().length} bytes`);
