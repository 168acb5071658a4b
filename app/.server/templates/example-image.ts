// The example image Meta reviews for Momento's IMAGE-header templates (docs/decisions/011): a shopping-bag
// silhouette, drawn and PNG-encoded here so the bytes are the same on every run and need no image library.
// The committed copy in assets/ is written by `npx tsx scripts/template-example-image.ts` and a test checks it
// still equals what this draws.
import { crc32, deflateSync } from "node:zlib";

export const EXAMPLE_IMAGE = { fileName: "momento-product-example.png", mimeType: "image/png" } as const;

// 1.91:1, the aspect WhatsApp shows image headers in.
const WIDTH = 573;
const HEIGHT = 300;
const BACKGROUND = [0xf4, 0xef, 0xe9];
const BAG = [0x1f, 0x6f, 0x5c];
const TAG = [0xf4, 0xb9, 0x42];

function colourAt(x: number, y: number): number[] {
  const cx = WIDTH / 2;
  // The handle: the upper half of a ring above the bag.
  const handle = Math.hypot(x - cx, y - 105);
  if (y <= 105 && handle >= 34 && handle <= 46) return BAG;
  // The bag: a trapezoid, wider at the bottom.
  if (y >= 100 && y <= 250) {
    const half = 80 + ((y - 100) / 150) * 14;
    if (Math.abs(x - cx) <= half) return Math.hypot(x - (cx + 46), y - 140) <= 12 ? TAG : BAG;
  }
  return BACKGROUND;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "ascii");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

let cached: Buffer | undefined;

/** The example image as PNG bytes (8-bit RGB, no interlace). */
export function exampleImagePng(): Buffer {
  if (cached) return cached;
  const rows = Buffer.alloc(HEIGHT * (1 + WIDTH * 3));
  for (let y = 0; y < HEIGHT; y++) {
    const row = y * (1 + WIDTH * 3); // each row starts with filter type 0
    for (let x = 0; x < WIDTH; x++) rows.set(colourAt(x, y), row + 1 + x * 3);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(WIDTH, 0);
  header.writeUInt32BE(HEIGHT, 4);
  header.set([8, 2, 0, 0, 0], 8);
  cached = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(rows, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
  return cached;
}
