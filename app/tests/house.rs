//! The rule of the house, checked on the source: imports run one way.
//!
//! - No file of `app/src` or `server/src` takes a name from a file that takes one from it,
//!   however far round (no import cycles).
//! - Shared pieces (`error`, `i18n`, `db`, `net`, `context`, `paging`, `ui`, `sealing`) import no
//!   domain; a domain imports only lower domains, and never their pages or server
//!   functions; nothing below the top imports `state` (`AppState` is put together there).
//! - No file takes a name from the crate root (`lib.rs`, the face the server and the
//!   browser see), but from the file that defines it.
//!
//! Imports are read from `use crate::…` and `super::…` paths and from `crate::…` paths in
//! the code, and resolved to the file that defines the module they name.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The domains, from the bottom floor up.
/// Notifications are near the top: the notifier tells people of every domain's events;
/// the live stream, at the top, tells pages of them all as they happen.
const DOMAINS: [&str; 8] = ["audit", "users", "catalog", "tickets", "orders", "support", "notifications", "live"];
const SHARED: [&str; 8] = ["error", "i18n", "db", "net", "context", "paging", "ui", "sealing"];
/// Modules of a domain that only the routes (or the domain itself) may use.
const DOORS: [&str; 6] = ["api", "pages", "form_pages", "admin_pages", "desk_pages", "picker"];

/// A source tree: each file by its module path (`orders::holds::stored`).
struct Tree {
    files: BTreeMap<Vec<String>, PathBuf>,
}

impl Tree {
    fn read(src: &Path) -> Tree {
        let mut files = BTreeMap::new();
        let mut stack = vec![src.to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let rel = path.strip_prefix(src).unwrap().with_extension("");
                    let mut module: Vec<String> = rel.iter().map(|c| c.to_string_lossy().into_owned()).collect();
                    if matches!(module.last().map(String::as_str), Some("mod" | "lib" | "main")) {
                        module.pop();
                    }
                    files.insert(module, path);
                }
            }
        }
        Tree { files }
    }

    /// The file that defines the longest prefix of `path` that is a module of the tree.
    fn resolve(&self, path: &[String]) -> Option<&Vec<String>> {
        (1..=path.len()).rev().find_map(|n| self.files.get_key_value(&path[..n]).map(|(k, _)| k))
    }

    /// For each file, the files it takes names from.
    fn imports(&self) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
        let mut graph = BTreeMap::new();
        for (module, path) in &self.files {
            let text = std::fs::read_to_string(path).unwrap();
            let mut to = BTreeSet::new();
            for target in paths_in(&text) {
                let absolute = match target.first().map(String::as_str) {
                    Some("crate") => target[1..].to_vec(),
                    Some("super") => {
                        let mut base = module.clone();
                        let mut rest = &target[..];
                        while rest.first().map(String::as_str) == Some("super") {
                            base.pop();
                            rest = &rest[1..];
                        }
                        base.extend(rest.iter().cloned());
                        base
                    }
                    _ => continue,
                };
                if let Some(file) = self.resolve(&absolute) {
                    if file != module && !file.is_empty() {
                        to.insert(file.clone());
                    }
                }
            }
            graph.insert(module.clone(), to);
        }
        graph
    }
}

/// Every `crate::…` and `super::…` path of a source text, with `use` groups expanded
/// (`use crate::{a::b, c::{d, e}}` gives `crate::a::b`, `crate::c::d`, `crate::c::e`).
fn paths_in(text: &str) -> Vec<Vec<String>> {
    let code: String = text.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n");
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let starts_word = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_' || bytes[i - 1] == b':');
        let root = ["crate::", "super::"].into_iter().find(|r| bytes[i..].starts_with(r.as_bytes()));
        if let (true, Some(root)) = (starts_word, root) {
            let (paths, end) = parse_tree(&code, i + root.len(), vec![root.trim_end_matches(':').to_owned()]);
            out.extend(paths);
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

/// Parses a path (or a `{…}` group of paths) after `prefix`, from `at`; returns the
/// paths and where they end.
fn parse_tree(code: &str, mut at: usize, prefix: Vec<String>) -> (Vec<Vec<String>>, usize) {
    let bytes = code.as_bytes();
    let mut path = prefix;
    loop {
        while at < bytes.len() && bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        if at < bytes.len() && bytes[at] == b'{' {
            let mut all = Vec::new();
            at += 1;
            loop {
                while at < bytes.len() && (bytes[at].is_ascii_whitespace() || bytes[at] == b',') {
                    at += 1;
                }
                if at >= bytes.len() || bytes[at] == b'}' {
                    return (all, at + 1);
                }
                let (paths, end) = parse_tree(code, at, path.clone());
                all.extend(paths);
                at = end;
            }
        }
        let start = at;
        while at < bytes.len() && (bytes[at].is_ascii_alphanumeric() || bytes[at] == b'_') {
            at += 1;
        }
        if at == start {
            return (vec![path], at);
        }
        let segment = &code[start..at];
        if segment != "self" {
            path.push(segment.to_owned());
        }
        if code[at..].starts_with("::") {
            at += 2;
        } else {
            return (vec![path], at);
        }
    }
}

/// The groups of files that import each other, round a circle (Tarjan's algorithm).
fn circles(graph: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Vec<Vec<Vec<String>>> {
    struct Walk<'a> {
        graph: &'a BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        index: BTreeMap<&'a Vec<String>, usize>,
        low: BTreeMap<&'a Vec<String>, usize>,
        stack: Vec<&'a Vec<String>>,
        on_stack: BTreeSet<&'a Vec<String>>,
        found: Vec<Vec<Vec<String>>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, v: &'a Vec<String>) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            self.on_stack.insert(v);
            for w in self.graph.get(v).into_iter().flatten() {
                if !self.graph.contains_key(w) {
                    continue;
                }
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.on_stack.contains(w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut group = Vec::new();
                loop {
                    let w = self.stack.pop().unwrap();
                    self.on_stack.remove(w);
                    group.push(w.clone());
                    if w == v {
                        break;
                    }
                }
                if group.len() > 1 {
                    self.found.push(group);
                }
            }
        }
    }
    let mut walk = Walk { graph, index: BTreeMap::new(), low: BTreeMap::new(), stack: Vec::new(), on_stack: BTreeSet::new(), found: Vec::new() };
    for v in graph.keys() {
        if !walk.index.contains_key(v) {
            walk.visit(v);
        }
    }
    walk.found
}

/// A source folder of this checkout, relative to `app/`; with `HOUSE_APP_DIR` set, of
/// the `app/` folder it names instead (to check another tree, such as an older commit's).
fn crate_src(relative: &str) -> PathBuf {
    let app = std::env::var_os("HOUSE_APP_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    app.join(relative)
}

fn show(module: &[String]) -> String {
    module.join("::")
}

#[test]
fn no_file_imports_round_a_circle() {
    for src in ["src", "../server/src"] {
        let tree = Tree::read(&crate_src(src));
        assert!(tree.files.len() > 10, "read {src}");
        let found = circles(&tree.imports());
        let shown: Vec<String> = found.iter().map(|c| c.iter().map(|m| show(m)).collect::<Vec<_>>().join(" <-> ")).collect();
        assert!(shown.is_empty(), "import cycles in {src}: {shown:#?}");
    }
}

#[test]
fn imports_run_down_the_floors() {
    let tree = Tree::read(&crate_src("src"));
    let floor = |module: &[String]| -> Option<(usize, &'static str)> {
        let first = module.first()?.as_str();
        if let Some(n) = SHARED.iter().position(|s| *s == first) {
            return Some((0, SHARED[n]));
        }
        DOMAINS.iter().position(|d| *d == first).map(|n| (n + 1, DOMAINS[n]))
    };
    let mut wrong = Vec::new();
    for (from, to) in tree.imports() {
        let Some((from_floor, from_room)) = floor(&from) else { continue }; // the top: state, routes, frame, lib
        for target in to {
            if target.first().map(String::as_str) == Some("state") {
                wrong.push(format!("{} imports state (the top of the house)", show(&from)));
                continue;
            }
            let Some((to_floor, to_room)) = floor(&target) else {
                wrong.push(format!("{} imports {} (the top of the house)", show(&from), show(&target)));
                continue;
            };
            if to_room == from_room {
                continue;
            }
            if to_floor > from_floor || (from_floor == 0 && to_floor > 0) {
                wrong.push(format!("{} imports {}, on a higher floor", show(&from), show(&target)));
            } else if target.iter().skip(1).any(|segment| DOORS.contains(&segment.as_str())) {
                wrong.push(format!("{} imports {}: another domain's pages or server functions", show(&from), show(&target)));
            }
        }
    }
    assert!(wrong.is_empty(), "imports against the floors: {wrong:#?}");
}

/// `lib.rs` is the crate's face: it names what the server and the browser take
/// (`app::AppError`, `app::App`), and it is the top of the house, since it re-exports the
/// routes. Inside the crate a name is taken from the file that defines it
/// (`crate::error::AppError`), never from the face, or every room would import the top.
#[test]
fn no_file_takes_names_from_the_crate_root() {
    let tree = Tree::read(&crate_src("src"));
    let mut wrong = Vec::new();
    for (module, path) in &tree.files {
        if module.is_empty() {
            continue;
        }
        let text = std::fs::read_to_string(path).unwrap();
        for target in paths_in(&text) {
            if target.first().map(String::as_str) == Some("crate") && target.len() > 1 && tree.resolve(&target[1..]).is_none() {
                wrong.push(format!("{} takes crate::{}", show(module), show(&target[1..])));
            }
        }
    }
    assert!(wrong.is_empty(), "names taken from lib.rs instead of the file that defines them: {wrong:#?}");
}

#[test]
fn the_reader_expands_groups_and_resolves_super() {
    let paths = paths_in("use crate::{context::piece, db::Db, users::{self, signed_in::require_user}};\nlet x = crate::orders::holds::create(); // crate::not::this");
    let shown: Vec<String> = paths.iter().map(|p| p.join("::")).collect();
    assert_eq!(
        shown,
        ["crate::context::piece", "crate::db::Db", "crate::users", "crate::users::signed_in::require_user", "crate::orders::holds::create"]
    );
    let found = circles(&BTreeMap::from([
        (vec!["a".to_owned()], BTreeSet::from([vec!["b".to_owned()]])),
        (vec!["b".to_owned()], BTreeSet::from([vec!["a".to_owned()]])),
        (vec!["c".to_owned()], BTreeSet::from([vec!["a".to_owned()]])),
    ]));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].len(), 2);
}
