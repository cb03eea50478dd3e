// Writes Brotli (.br, quality 11) and gzip (.gz, level 9) copies beside every static
// text or WASM file of the built site (the main module's import names shortened and the
// splitter's loader tidied first, see below), for the server to serve precompressed. A copy is
// rewritten whenever its source is newer, so a file whose name carries no hash never
// goes stale. Usage: node tools/precompress.mjs <site root>
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, extname } from "node:path";
import { brotliCompressSync, gzipSync, constants } from "node:zlib";
import { shortenImports } from "./shorten-imports.mjs";

const COMPRESSIBLE = new Set([".wasm", ".js", ".mjs", ".css", ".html", ".json", ".webmanifest", ".svg", ".txt", ".ico"]);
const root = process.argv[2];
if (!root) {
  console.error("usage: node tools/precompress.mjs <site root>");
  process.exit(2);
}

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (COMPRESSIBLE.has(extname(entry.name))) yield path;
  }
}

// The WASM splitter's loader (`__wasm_split.*.js`, part of every first visit) names, in a
// comment above each chunk's loader, every page that chunk serves: more than a third of
// the file on the wire, and nothing a browser reads. Whole-line block comments go.
function tidySplitLoader(path) {
  if (!/__wasm_split\.[^/]*\.js$/.test(path)) return;
  const text = readFileSync(path, "utf8");
  const tidy = text.split("\n").filter((line) => !/^\/\*.*\*\/$/.test(line)).join("\n");
  if (tidy !== text) writeFileSync(path, tidy);
}

shortenImports(root);

let before = 0;
let after = 0;
for (const path of files(root)) {
  tidySplitLoader(path);
  const source = statSync(path);
  const body = readFileSync(path);
  for (const [suffix, compress] of [
    [".br", (b) => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: b.length } })],
    [".gz", (b) => gzipSync(b, { level: 9 })],
  ]) {
    const target = path + suffix;
    let fresh = false;
    try {
      fresh = statSync(target).mtimeMs >= source.mtimeMs;
    } catch {}
    if (!fresh) writeFileSync(target, compress(body));
  }
  before += body.length;
  after += statSync(path + ".br").size;
}
console.log(`precompress: ${root}: ${(before / 1024).toFixed(0)} KB of static files, ${(after / 1024).toFixed(0)} KB as Brotli`);
