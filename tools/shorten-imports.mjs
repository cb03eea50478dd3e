// Shortens the names under which the main WASM module imports its JavaScript functions.
//
// wasm-bindgen names each browser function the module calls `__wbg_<name>_<16 hex
// digits>`, and the name travels twice on a first visit: in the module's import section
// and as a key of the imports object in its JS glue. The hex digits do not compress, so
// each function the app calls costs about 25 bytes on the wire (300 of them: 7 KB). This
// renames them `a`, `b`, … `aB`, consistently in both files, after cargo-leptos has
// built, optimised and minified them (their file names, content hashes of the build, stay).
//
// A module is paired with its glue by its imports: every `__wbg_` name the module imports
// from `./<name>_bg.js` must be a key of that glue's imports object, and every key must be
// imported. The rewritten module must compile (`WebAssembly.Module`) before anything is
// written. Files already shortened, and pairs that do not match, are left as they are.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

function leb(buf, i) {
  let result = 0;
  let shift = 0;
  let byte;
  do {
    byte = buf[i++];
    result += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [result, i];
}

function uleb(n) {
  const out = [];
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return Buffer.from(out);
}

/** Skips an import's description (after its kind byte). */
function skipDescription(wasm, kind, k) {
  const limits = (k) => {
    const flags = wasm[k++];
    [, k] = leb(wasm, k);
    if (flags & 1) [, k] = leb(wasm, k);
    return k;
  };
  switch (kind) {
    case 0: return leb(wasm, k)[1]; // function: type index
    case 1: return limits(k + 1); // table: element type, limits
    case 2: return limits(k); // memory: limits
    case 3: return k + 2; // global: value type, mutability
    case 4: return leb(wasm, k + 1)[1]; // tag: attribute, type index
    default: throw new Error(`unknown import kind ${kind}`);
  }
}

/** The module's sections, and for its import section every import. */
function readImports(wasm) {
  if (wasm.readUInt32LE(0) !== 0x6d736100) throw new Error("not a WASM module");
  let i = 8;
  while (i < wasm.length) {
    const id = wasm[i];
    const [size, start] = leb(wasm, i + 1);
    const end = start + size;
    if (id === 2) {
      let [count, k] = leb(wasm, start);
      const imports = [];
      for (let n = 0; n < count; n++) {
        let length;
        [length, k] = leb(wasm, k);
        const module = wasm.subarray(k, k + length).toString();
        k += length;
        [length, k] = leb(wasm, k);
        const name = wasm.subarray(k, k + length).toString();
        k += length;
        const descStart = k;
        k = skipDescription(wasm, wasm[k], k + 1);
        imports.push({ module, name, description: wasm.subarray(descStart, k) });
      }
      return { sectionStart: i, sectionEnd: end, imports };
    }
    i = end;
  }
  return null;
}

const RESERVED = new Set(["do", "if", "in", "for", "let", "new", "try", "var", "case", "else", "enum", "eval", "null", "this", "true", "void", "with"]);
function* shortNames() {
  const first = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  const rest = first + "0123456789";
  for (let n = 0; ; n++) {
    let name = first[n % first.length];
    for (let m = Math.floor(n / first.length); m > 0; m = Math.floor((m - 1) / rest.length)) {
      name += rest[(m - 1) % rest.length];
    }
    if (!RESERVED.has(name)) yield name;
  }
}

/** Shortens one module and its glue; returns how many names, or 0 when left alone. */
function shortenPair(wasmPath, jsPath) {
  const wasm = readFileSync(wasmPath);
  const js = readFileSync(jsPath, "utf8");
  const found = readImports(wasm);
  if (!found) return 0;
  const glue = found.imports.filter((imp) => /^\.\/[\w-]+_bg\.js$/.test(imp.module) && imp.name.startsWith("__wbg_"));
  if (glue.length === 0) return 0;
  const keys = new Set(js.match(/__wbg_\w+(?=:)/g) ?? []);
  const wanted = new Set(glue.map((imp) => imp.name));
  if (wanted.size !== keys.size || [...wanted].some((name) => !keys.has(name))) return 0;
  // Named in the glue's order: the glue's file name is a hash of its content, so the same
  // glue must always come out the same, whatever the order of the module's imports (a
  // browser keeps a hashed file for good).
  const names = shortNames();
  const renamed = new Map([...keys].map((name) => [name, names.next().value]));
  // Short names must not already be keys of the glue (its `__wbindgen_` intrinsics are not).
  const taken = new Set(js.match(/[\w$]+(?=:function)/g) ?? []);
  if ([...renamed.values()].some((name) => taken.has(name))) return 0;

  const body = [uleb(found.imports.length)];
  for (const imp of found.imports) {
    const module = Buffer.from(imp.module);
    const name = Buffer.from(renamed.get(imp.name) ?? imp.name);
    body.push(uleb(module.length), module, uleb(name.length), name, imp.description);
  }
  const section = Buffer.concat(body);
  const out = Buffer.concat([
    wasm.subarray(0, found.sectionStart),
    Buffer.from([2]),
    uleb(section.length),
    section,
    wasm.subarray(found.sectionEnd),
  ]);
  new WebAssembly.Module(out); // throws if the rewrite broke the module
  const outJs = js.replace(/__wbg_\w+(?=:)/g, (name) => renamed.get(name) ?? name);
  writeFileSync(wasmPath, out);
  writeFileSync(jsPath, outJs);
  return renamed.size;
}

/** Shortens every main module under `<root>/pkg` that still has long names. */
export function shortenImports(root) {
  const dir = join(root, "pkg");
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  // The main modules and their glue; the splitter's chunks import nothing from the glue.
  const modules = entries.filter((f) => f.endsWith(".wasm") && !f.startsWith("chunk_") && !f.startsWith("split_"));
  const glues = entries.filter((f) => f.endsWith(".js") && !f.startsWith("__wasm_split"));
  for (const module of modules) {
    const wasmPath = join(dir, module);
    const imports = readImports(readFileSync(wasmPath));
    if (!imports || !imports.imports.some((imp) => imp.name.startsWith("__wbg_"))) continue;
    for (const glue of glues) {
      const count = shortenPair(wasmPath, join(dir, glue));
      if (count > 0) {
        console.log(`shorten-imports: ${module}: ${count} import names shortened (with ${glue})`);
        break;
      }
    }
  }
}
