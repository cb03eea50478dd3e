//! `/sw.js`: the service worker as the build wrote it (`public/sw.js`), told which build
//! it serves. Its caches are named after the build, so the worker of a new build replaces
//! the old build's caches when it activates (the old files, and the pages that name them),
//! and it keeps the new build's main files from its install on: a page never mixes two
//! builds. Without the build's hashes (a build without `hash-files`) it is served as
//! written, and its caches are named after its own version only.

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use app::state::AppState;

/// The lines of `sw.js` that name its build.
const BUILD_LINE: &str = "const BUILD = 'dev';";
const FILES_LINE: &str = "const BUILD_FILES = [];";

/// cargo-leptos' `hash.txt` beside the binary: the content hashes in the build's file names.
pub fn hash_file() -> Option<std::path::PathBuf> {
    std::env::current_exe().ok().and_then(|exe| exe.parent().map(|dir| dir.join("hash.txt")))
}

/// The text of the build's `hash.txt`, when there is one.
fn build_hashes() -> Option<String> {
    std::fs::read_to_string(hash_file()?).ok()
}

pub async fn script(State(state): State<AppState>) -> Response {
    let options = &state.leptos_options;
    let path = std::path::Path::new(options.site_root.as_ref()).join("sw.js");
    let Ok(script) = tokio::fs::read_to_string(&path).await else {
        return (StatusCode::NOT_FOUND, "").into_response();
    };
    let hashes = options.hash_files.then(build_hashes).flatten();
    let body = stamp(&script, hashes.as_deref(), &options.site_pkg_dir, &options.output_name);
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/javascript; charset=utf-8")),
            // Browsers check their worker against the server on every visit.
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response()
}

/// The worker's script for the build whose `hash.txt` is `hashes` (`js: …`, `wasm: …`,
/// `css: …`, `split: …`): its build id, and the files every page of it loads.
pub fn stamp(script: &str, hashes: Option<&str>, pkg: &str, name: &str) -> String {
    let Some(hashes) = hashes else { return script.to_string() };
    let hash = |kind: &str| {
        hashes.lines().find_map(|line| {
            let (k, v) = line.split_once(':')?;
            let v = v.trim();
            (k.trim() == kind && !v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')).then_some(v)
        })
    };
    let (Some(js), Some(wasm), Some(css)) = (hash("js"), hash("wasm"), hash("css")) else {
        return script.to_string();
    };
    let mut files = vec![format!("/{pkg}/{name}.{js}.js"), format!("/{pkg}/{name}.{wasm}.wasm"), format!("/{pkg}/{name}.{css}.css")];
    if let Some(split) = hash("split") {
        files.push(format!("/{pkg}/__wasm_split.{split}.js"));
    }
    let list = files.iter().map(|f| format!("'{f}'")).collect::<Vec<_>>().join(", ");
    script
        .replacen(BUILD_LINE, &format!("const BUILD = '{js}.{wasm}.{css}';"), 1)
        .replacen(FILES_LINE, &format!("const BUILD_FILES = [{list}];"), 1)
}

#[cfg(test)]
mod tests {
    use super::stamp;

    const SCRIPT: &str = "'use strict';\nconst BUILD = 'dev';\nconst BUILD_FILES = [];\nconst X = `${BUILD}`;\n";
    const HASHES: &str = "js: lMwEq4ASosJzhN8jGEAl5w\nwasm: IcQYaAHtLu2yJW9gFS2xfQ\ncss: 8UY54DvM7wvcar412d7woA\nmanifest: QuBmymzKa5AVysQm9kpLaw\nsplit: 9hcFiwaf7jyLF3cTblRH7A\n";

    #[test]
    fn a_hashed_build_names_its_caches_and_files() {
        let out = stamp(SCRIPT, Some(HASHES), "pkg", "taquilla");
        assert!(out.contains("const BUILD = 'lMwEq4ASosJzhN8jGEAl5w.IcQYaAHtLu2yJW9gFS2xfQ.8UY54DvM7wvcar412d7woA';"), "{out}");
        assert!(out.contains(
            "const BUILD_FILES = ['/pkg/taquilla.lMwEq4ASosJzhN8jGEAl5w.js', '/pkg/taquilla.IcQYaAHtLu2yJW9gFS2xfQ.wasm', \
             '/pkg/taquilla.8UY54DvM7wvcar412d7woA.css', '/pkg/__wasm_split.9hcFiwaf7jyLF3cTblRH7A.js'];"
        ), "{out}");
        assert!(out.ends_with("const X = `${BUILD}`;\n"));
    }

    #[test]
    fn without_hashes_or_with_odd_ones_the_script_is_served_as_written() {
        assert_eq!(stamp(SCRIPT, None, "pkg", "taquilla"), SCRIPT);
        assert_eq!(stamp(SCRIPT, Some("js: abc\n"), "pkg", "taquilla"), SCRIPT, "no wasm or css hash");
        assert_eq!(stamp(SCRIPT, Some("js: a'b\nwasm: c\ncss: d\n"), "pkg", "taquilla"), SCRIPT, "a hash that would break the script");
        let no_split = stamp(SCRIPT, Some("js: a\nwasm: b\ncss: c\n"), "pkg", "taquilla");
        assert!(no_split.contains("const BUILD_FILES = ['/pkg/taquilla.a.js', '/pkg/taquilla.b.wasm', '/pkg/taquilla.c.css'];"), "{no_split}");
    }
}
