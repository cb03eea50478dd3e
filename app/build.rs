//! Reads the translations under `locales/<language>/<room>.json` and writes the message
//! keys and catalogs that `src/i18n` includes. The build fails when a language lacks a key
//! another has, when a message's placeholders differ between languages, or when a plural
//! lacks one of its forms: a missing translation never reaches a page.
//!
//! A room's file is a flat JSON object. A value is either a message (`"Events"`, with
//! `{name}` placeholders where something is put in) or a plural, an object with the forms
//! `one` and `other` (`{"one": "{count} seat", "other": "{count} seats"}`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

/// The languages, in the order of `i18n::Locale`; the first is the reference.
const LANGUAGES: [&str; 2] = ["en", "es"];
const PLURAL_FORMS: [&str; 2] = ["one", "other"];

/// One message of one language: `room.key` or `room.key.form`.
type Catalog = BTreeMap<String, String>;

fn main() {
    println!("cargo::rerun-if-changed=locales");
    // sqlx::migrate! embeds ../migrations: a new migration must rebuild the crate too.
    println!("cargo::rerun-if-changed=../migrations");
    // Read at run time, not baked in when the script is compiled: cargo may reuse this
    // script's binary for another checkout of the workspace, which must read its own files.
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| fail("CARGO_MANIFEST_DIR is not set"));
    let root = Path::new(&manifest_dir).join("locales");
    let mut catalogs: Vec<(&str, Catalog, BTreeMap<String, bool>)> = Vec::new();
    for language in LANGUAGES {
        let (catalog, plurals) = read_language(&root.join(language)).unwrap_or_else(|e| fail(&format!("{language}: {e}")));
        catalogs.push((language, catalog, plurals));
    }
    let (_, reference, kinds) = &catalogs[0];
    let mut problems = Vec::new();
    for (language, catalog, plurals) in &catalogs[1..] {
        for key in reference.keys().filter(|k| !catalog.contains_key(*k)) {
            problems.push(format!("{language} lacks {key}"));
        }
        for key in catalog.keys().filter(|k| !reference.contains_key(*k)) {
            problems.push(format!("{language} has {key}, which {} lacks", LANGUAGES[0]));
        }
        for (key, plural) in plurals {
            if kinds.get(key).is_some_and(|p| p != plural) {
                problems.push(format!("{key} is a plural in one language and not in the other"));
            }
        }
        for (key, text) in reference {
            if let Some(other) = catalog.get(key) {
                if placeholders(text) != placeholders(other) {
                    problems.push(format!("{key}: {language} has the placeholders {:?}, {} has {:?}", placeholders(other), LANGUAGES[0], placeholders(text)));
                }
            }
        }
    }
    if !problems.is_empty() {
        fail(&problems.join("\n"));
    }
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("messages.rs");
    std::fs::write(out, generate(&catalogs, kinds)).expect("write messages.rs");
}

fn fail(message: &str) -> ! {
    eprintln!("translations: {message}");
    panic!("translations are incomplete:\n{message}");
}

/// Every message of one language, and for each key whether it is a plural.
fn read_language(dir: &Path) -> Result<(Catalog, BTreeMap<String, bool>), String> {
    let mut catalog = Catalog::new();
    let mut kinds = BTreeMap::new();
    let mut files: Vec<_> = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    files.sort();
    for path in files.into_iter().filter(|p| p.extension().is_some_and(|e| e == "json")) {
        let room = path.file_stem().and_then(|s| s.to_str()).ok_or("bad file name")?.to_string();
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let entries = value.as_object().ok_or_else(|| format!("{}: not an object", path.display()))?;
        for (key, value) in entries {
            if !is_identifier(key) {
                return Err(format!("{room}.{key}: keys are lower-case words joined by _"));
            }
            let name = format!("{room}.{key}");
            match value {
                serde_json::Value::String(s) => {
                    catalog.insert(name.clone(), s.clone());
                    kinds.insert(name, false);
                }
                serde_json::Value::Object(forms) => {
                    for form in PLURAL_FORMS {
                        let s = forms.get(form).and_then(|v| v.as_str()).ok_or_else(|| format!("{name} lacks its {form} form"))?;
                        catalog.insert(format!("{name}.{form}"), s.to_string());
                    }
                    if let Some(extra) = forms.keys().find(|f| !PLURAL_FORMS.contains(&f.as_str())) {
                        return Err(format!("{name}: unknown plural form {extra}"));
                    }
                    kinds.insert(name, true);
                }
                _ => return Err(format!("{name}: a message is a string or an object of plural forms")),
            }
        }
    }
    Ok((catalog, kinds))
}

fn is_identifier(key: &str) -> bool {
    key.chars().next().is_some_and(|c| c.is_ascii_lowercase()) && key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The `{name}` placeholders of a message.
fn placeholders(text: &str) -> BTreeSet<&str> {
    let mut found = BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else { break };
        found.insert(&rest[start + 1..start + len]);
        rest = &rest[start + len + 1..];
    }
    found
}

/// A pseudo-translation of an English message: accented letters between ⟦ and ⟧, the
/// placeholders kept, so that a page rendered with it shows every text that did not come
/// through the catalog as plain ASCII.
fn pseudo(text: &str) -> String {
    let mut out = String::from("⟦");
    let mut in_placeholder = false;
    for c in text.chars() {
        match c {
            '{' => in_placeholder = true,
            '}' => in_placeholder = false,
            _ => {}
        }
        out.push(if in_placeholder { c } else { accent(c) });
    }
    out.push('⟧');
    out
}

fn accent(c: char) -> char {
    match c {
        'a' => 'á', 'e' => 'é', 'i' => 'í', 'o' => 'ö', 'u' => 'ü', 'c' => 'ç', 'n' => 'ñ', 'y' => 'ý',
        'A' => 'Å', 'E' => 'É', 'I' => 'Î', 'O' => 'Ø', 'U' => 'Ü', 'C' => 'Ç', 'N' => 'Ñ', 'S' => 'Š', 'Z' => 'Ž',
        's' => 'š', 'z' => 'ž', 'r' => 'ř', 'l' => 'ł', 't' => 'ţ', 'd' => 'đ', 'g' => 'ğ', 'k' => 'ķ',
        'h' => 'ĥ', 'w' => 'ŵ', 'b' => 'ƀ', 'p' => 'þ', 'm' => 'ɱ', 'f' => 'ƒ', 'v' => 'ṽ', 'j' => 'ĵ', 'x' => 'ẋ', 'q' => 'ɋ',
        'B' => 'Ɓ', 'D' => 'Đ', 'F' => 'Ƒ', 'G' => 'Ĝ', 'H' => 'Ĥ', 'J' => 'Ĵ', 'K' => 'Ķ', 'L' => 'Ł', 'M' => 'Ṁ',
        'P' => 'Þ', 'Q' => 'Ǫ', 'R' => 'Ř', 'T' => 'Ŧ', 'V' => 'Ṽ', 'W' => 'Ŵ', 'X' => 'Ẍ', 'Y' => 'Ý',
        other => other,
    }
}

fn rust_string(s: &str) -> String {
    format!("{s:?}")
}

fn generate(catalogs: &[(&str, Catalog, BTreeMap<String, bool>)], kinds: &BTreeMap<String, bool>) -> String {
    let reference = &catalogs[0].1;
    let index: BTreeMap<&str, usize> = reference.keys().enumerate().map(|(i, k)| (k.as_str(), i)).collect();
    let mut code = String::from("// Written by build.rs from locales/; edit the JSON files, not this.\n\n");
    writeln!(code, "/// How many messages each language has.\npub const MESSAGES: usize = {};\n", reference.len()).unwrap();

    // One module per room, one constant per message.
    code.push_str("/// Every message, by room (the file under `locales/<language>/`).\npub mod msg {\n");
    let mut rooms: BTreeMap<&str, Vec<(&str, bool)>> = BTreeMap::new();
    for (name, plural) in kinds {
        let (room, key) = name.split_once('.').expect("room.key");
        rooms.entry(room).or_default().push((key, *plural));
    }
    for (room, keys) in rooms {
        let imports = if keys.iter().any(|(_, plural)| *plural) { "{Msg, Plural}" } else { "Msg" };
        writeln!(code, "    pub mod {room} {{\n        use crate::i18n::{imports};").unwrap();
        for (key, plural) in keys {
            let constant = key.to_ascii_uppercase();
            let doc = reference.get(&format!("{room}.{key}")).or_else(|| reference.get(&format!("{room}.{key}.other"))).cloned().unwrap_or_default();
            writeln!(code, "        #[doc = {}]", rust_string(&doc)).unwrap();
            if plural {
                let one = index[format!("{room}.{key}.one").as_str()];
                let other = index[format!("{room}.{key}.other").as_str()];
                writeln!(code, "        pub const {constant}: Plural = Plural {{ one: Msg({one}), other: Msg({other}) }};").unwrap();
            } else {
                writeln!(code, "        pub const {constant}: Msg = Msg({});", index[format!("{room}.{key}").as_str()]).unwrap();
            }
        }
        code.push_str("    }\n");
    }
    code.push_str("}\n\n");

    // The texts exist on the server only: the browser reads its language's from the page.
    for (language, catalog, _) in catalogs {
        writeln!(code, "#[cfg(feature = \"ssr\")]\npub static {}: [&str; MESSAGES] = [", language.to_ascii_uppercase()).unwrap();
        for text in catalog.values() {
            writeln!(code, "    {},", rust_string(text)).unwrap();
        }
        code.push_str("];\n\n");
    }
    code.push_str("#[cfg(feature = \"ssr\")]\npub static PSEUDO: [&str; MESSAGES] = [\n");
    for text in reference.values() {
        writeln!(code, "    {},", rust_string(&pseudo(text))).unwrap();
    }
    code.push_str("];\n\n#[cfg(feature = \"ssr\")]\npub static KEYS: [&str; MESSAGES] = [\n");
    for key in reference.keys() {
        writeln!(code, "    {},", rust_string(key)).unwrap();
    }
    code.push_str("];\n");
    code
}
