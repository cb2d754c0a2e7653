//! The module graph of `src/`, read from the source: no module may depend
//! on another that depends back on it, and ARCHITECTURE.md shows the graph
//! as the imports have it.
//!
//! Modules come from `mod` declarations, starting at `src/lib.rs` and
//! `src/main.rs`. A module depends on another when its code (comments and
//! `#[cfg(test)]` modules aside) names a path through it: `use crate::a::b`,
//! `use super::{c, d::e}`, or `crate::a::f(…)` inline. Each dependency is
//! counted at the level where the two modules part: `search::rank` using
//! `index::catalog` makes `search` depend on `index`; `search::rank` using
//! `search::config` makes `rank` depend on `config`; a module using what
//! its folder's own `mod.rs` defines depends on the folder (shown as
//! `search` itself), and a name a `mod.rs` re-exports (`pub use`) counts
//! as the module it comes from. A folder's `mod.rs` using its own modules
//! is no dependency (the folder is made of them). At every level the
//! dependencies must form no cycle.
//!
//! `WENDA_UPDATE_ARCHITECTURE=1 cargo test --test integration architecture`
//! (`scripts/module-graph.sh`) rewrites the graph in ARCHITECTURE.md.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module: its path from the crate root and its file.
#[derive(Debug, Clone)]
struct Module {
    path: Vec<String>,
    file: PathBuf,
}

/// The name of a folder's own code (its `mod.rs`, `lib.rs` or `main.rs`)
/// among its children.
const OWN: &str = "(own)";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Code without comments, and without the `#[cfg(test)]` module at the end.
fn code_of(text: &str) -> String {
    let mut out = String::new();
    let mut in_block = 0usize;
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        if t.starts_with("#[cfg(test)]")
            && lines
                .get(i + 1)
                .is_some_and(|n| n.trim_start().starts_with("mod tests"))
        {
            break;
        }
        let mut rest = *line;
        let mut kept = String::new();
        loop {
            if in_block > 0 {
                match rest.find("*/") {
                    Some(end) => {
                        in_block -= 1;
                        rest = &rest[end + 2..];
                    }
                    None => break,
                }
                continue;
            }
            let line_comment = rest.find("//");
            let block = rest.find("/*");
            match (line_comment, block) {
                (Some(l), b) if b.is_none_or(|b| l < b) => {
                    kept.push_str(&rest[..l]);
                    break;
                }
                (_, Some(b)) => {
                    kept.push_str(&rest[..b]);
                    in_block += 1;
                    rest = &rest[b + 2..];
                }
                _ => {
                    kept.push_str(rest);
                    break;
                }
            }
        }
        out.push_str(&kept);
        out.push('\n');
    }
    out
}

/// Modules declared with `mod name;` in `code`.
fn declared(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in code.lines() {
        let mut t = line.trim();
        if let Some(rest) = t.strip_prefix("pub") {
            t = rest.trim_start();
            if t.starts_with('(') {
                t = t.split_once(')').map_or("", |(_, r)| r.trim_start());
            }
        }
        if let Some(rest) = t.strip_prefix("mod ")
            && let Some(name) = rest.trim().strip_suffix(';')
        {
            out.push(name.trim().to_string());
        }
    }
    out
}

/// Every module reachable from a crate root file.
fn modules(root: &Path) -> Vec<Module> {
    let mut out = Vec::new();
    let mut pending = vec![Module {
        path: Vec::new(),
        file: root.to_path_buf(),
    }];
    while let Some(m) = pending.pop() {
        let text = std::fs::read_to_string(&m.file).unwrap();
        let name = m.file.file_name().unwrap().to_string_lossy().into_owned();
        let dir = if m.path.is_empty() || name == "mod.rs" {
            m.file.parent().unwrap().to_path_buf()
        } else {
            m.file.with_extension("")
        };
        for child in declared(&code_of(&text)) {
            let flat = dir.join(format!("{child}.rs"));
            let nested = dir.join(&child).join("mod.rs");
            let file = if flat.is_file() { flat } else { nested };
            assert!(
                file.is_file(),
                "{}: mod {child} has no file",
                m.file.display()
            );
            let mut path = m.path.clone();
            path.push(child);
            pending.push(Module { path, file });
        }
        out.push(m);
    }
    out
}

/// Expands a `use` tree (`a::{b, c::{d, e}}`) into paths.
fn expand(tree: &str) -> Vec<String> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        let plain = tree.split(" as ").next().unwrap_or(tree).trim();
        return vec![plain.replace(' ', "")];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .flat_map(|p| expand(p).into_iter().map(move |e| format!("{prefix}{e}")))
        .collect()
}

/// Paths that `code` names, each with whether a `pub use` re-exports it.
fn named_paths(code: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut rest = code;
    // `use` statements, braces expanded.
    while let Some(at) = rest.find("use ") {
        let before = rest[..at].chars().next_back();
        let public = rest[..at].trim_end().ends_with("pub")
            || rest[..at].trim_end().ends_with(')') && rest[..at].contains("pub(");
        let after = &rest[at + 4..];
        let end = after.find(';').unwrap_or(after.len());
        if before.is_none_or(|c| !c.is_alphanumeric() && c != '_') {
            let tree: String = after[..end]
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            out.extend(
                expand(&tree)
                    .into_iter()
                    .map(|p| (p.replace(' ', ""), public)),
            );
            rest = &after[end..];
        } else {
            rest = after;
        }
    }
    // Paths written inline.
    let bytes = code.as_bytes();
    for start in ["crate::", "super::", "self::"] {
        let mut from = 0;
        while let Some(i) = code[from..].find(start) {
            let at = from + i;
            from = at + start.len();
            if at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_') {
                continue;
            }
            let end = code[at..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .map_or(code.len(), |e| at + e);
            // `crate::{…}` is a use tree, read above.
            if !code[at..end].ends_with("::") {
                out.push((code[at..end].to_string(), false));
            }
        }
    }
    let mut seen = BTreeSet::new();
    out.retain(|(p, _)| seen.insert(p.clone()));
    out
}

/// The module a path from `from` leads to (the deepest module it names).
/// Names a module re-exports (`pub use a::b::Name;`) → the module it
/// comes from.
type Reexports = BTreeMap<Vec<String>, BTreeMap<String, Vec<String>>>;

fn target(
    from: &[String],
    path: &str,
    known: &BTreeSet<Vec<String>>,
    reexports: &Reexports,
) -> Option<Vec<String>> {
    let mut segs = path.split("::").filter(|s| !s.is_empty()).peekable();
    let mut at: Vec<String> = match segs.peek().copied() {
        Some("crate") => {
            segs.next();
            Vec::new()
        }
        Some("self") | Some("super") => {
            // `self` is this module, `super` its parent (for a folder's
            // mod.rs too: the folder is the module).
            let mut at = from.to_vec();
            while let Some(&s) = segs.peek() {
                match s {
                    "self" => {}
                    "super" => {
                        at.pop()?;
                    }
                    _ => break,
                }
                segs.next();
            }
            at
        }
        // `use child::x` in a module names its own child.
        Some(first) => {
            let mut child = from.to_vec();
            child.push(first.to_string());
            if !known.contains(&child) {
                return None;
            }
            from.to_vec()
        }
        None => return None,
    };
    for s in segs {
        let mut next = at.clone();
        next.push(s.to_string());
        if known.contains(&next) {
            at = next;
        } else {
            // An item the module re-exports lives where it comes from.
            if let Some(origin) = reexports.get(&at).and_then(|r| r.get(s)) {
                at = origin.clone();
            }
            break;
        }
    }
    Some(at)
}

/// Dependencies at each level: parent path → child → children it uses, with
/// a file that shows it.
type Levels = BTreeMap<Vec<String>, BTreeMap<String, BTreeMap<String, String>>>;

fn levels(root: &Path) -> Levels {
    let mods = modules(root);
    let known: BTreeSet<Vec<String>> = mods.iter().map(|m| m.path.clone()).collect();
    let codes: Vec<String> = mods
        .iter()
        .map(|m| code_of(&std::fs::read_to_string(&m.file).unwrap()))
        .collect();
    // Re-exports, resolved through each other (a few rounds suffice).
    let mut reexports = Reexports::new();
    for _ in 0..3 {
        let mut next = Reexports::new();
        for (m, code) in mods.iter().zip(&codes) {
            for (p, public) in named_paths(code) {
                let name = p.rsplit("::").next().unwrap_or_default().to_string();
                if !public || name == "*" || name.is_empty() {
                    continue;
                }
                if let Some(to) = target(&m.path, &p, &known, &reexports) {
                    next.entry(m.path.clone()).or_default().insert(name, to);
                }
            }
        }
        reexports = next;
    }
    let mut levels = Levels::new();
    for (m, code) in mods.iter().zip(&codes) {
        for (p, _) in named_paths(code) {
            let Some(to) = target(&m.path, &p, &known, &reexports) else {
                continue;
            };
            let common = m.path.iter().zip(&to).take_while(|(a, b)| a == b).count();
            if common == m.path.len() {
                // A folder's own code (its mod.rs) using its modules: the
                // folder is made of them, so that is no dependency.
                continue;
            }
            let parent = m.path[..common].to_vec();
            let a = m.path[common].clone();
            let b = to.get(common).cloned().unwrap_or_else(|| OWN.to_string());
            levels
                .entry(parent)
                .or_default()
                .entry(a)
                .or_default()
                .entry(b)
                .or_insert_with(|| format!("{} ({p})", m.file.display()));
        }
    }
    levels
}

/// A cycle in a graph, if there is one.
fn cycle(graph: &BTreeMap<String, BTreeMap<String, String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeMap<String, String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_string(), 1);
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flat_map(|m| m.keys()) {
            match state.get(next.as_str()).copied().unwrap_or(0) {
                1 => {
                    let from = stack.iter().position(|s| s == next).unwrap_or(0);
                    let mut c = stack[from..].to_vec();
                    c.push(next.clone());
                    return Some(c);
                }
                0 => {
                    if let Some(c) = visit(next, graph, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(node.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        if state.get(node).copied().unwrap_or(0) == 0 {
            let mut stack = Vec::new();
            if let Some(c) = visit(node, graph, &mut state, &mut stack) {
                return Some(c);
            }
        }
    }
    None
}

#[test]
fn no_module_depends_on_a_module_that_depends_back() {
    for root in ["src/lib.rs", "src/main.rs"] {
        for (parent, graph) in levels(&repo().join(root)) {
            if let Some(c) = cycle(&graph) {
                let why: Vec<String> = c
                    .windows(2)
                    .map(|w| format!("  {} → {}: {}", w[0], w[1], graph[&w[0]][&w[1]]))
                    .collect();
                panic!(
                    "module cycle in {root} under `{}`: {}\n{}",
                    parent.join("::"),
                    c.join(" → "),
                    why.join("\n")
                );
            }
        }
    }
}

#[test]
fn the_checker_sees_cycles_and_use_trees() {
    let paths = expand("crate::search::{Engine,rank::{idf,Factors},config}");
    assert_eq!(
        paths,
        vec![
            "crate::search::Engine",
            "crate::search::rank::idf",
            "crate::search::rank::Factors",
            "crate::search::config"
        ]
    );
    let code = code_of("pub use super::x; // crate::y\nfn f() { crate::z::g(); }\n");
    assert_eq!(
        named_paths(&code),
        vec![
            ("super::x".to_string(), true),
            ("crate::z::g".to_string(), false)
        ]
    );
    let mut g: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    g.entry("a".into())
        .or_default()
        .insert("b".into(), String::new());
    assert!(cycle(&g).is_none());
    g.entry("b".into())
        .or_default()
        .insert("a".into(), String::new());
    assert_eq!(cycle(&g).unwrap(), vec!["a", "b", "a"]);
}

/// The library's top-level graph as ARCHITECTURE.md lists it.
fn graph_block() -> String {
    let levels = levels(&repo().join("src/lib.rs"));
    let top = levels.get(&Vec::new()).cloned().unwrap_or_default();
    let mut out = String::from("```text\n");
    for (module, uses) in &top {
        let name = if module == OWN { "lib.rs" } else { module };
        let list: Vec<&str> = uses
            .keys()
            .map(|u| if u == OWN { "lib.rs" } else { u.as_str() })
            .collect();
        out.push_str(&format!("{name:<9} → {}\n", list.join(", ")));
    }
    for (parent, graph) in &levels {
        if parent.is_empty() {
            continue;
        }
        let folder = parent.join("::");
        for (module, uses) in graph {
            let name = if module == OWN {
                folder.clone()
            } else {
                format!("{folder}::{module}")
            };
            let list: Vec<String> = uses
                .keys()
                .map(|u| {
                    if u == OWN {
                        folder.clone()
                    } else {
                        format!("{folder}::{u}")
                    }
                })
                .collect();
            out.push_str(&format!("{name} → {}\n", list.join(", ")));
        }
    }
    out.push_str("```\n");
    out
}

#[test]
fn architecture_md_shows_the_module_graph() {
    const START: &str = "<!-- module graph: start -->\n";
    const END: &str = "<!-- module graph: end -->";
    let path = repo().join("ARCHITECTURE.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let (Some(a), Some(b)) = (text.find(START), text.find(END)) else {
        panic!("ARCHITECTURE.md has no module graph markers");
    };
    let current = &text[a + START.len()..b];
    let wanted = graph_block();
    if current != wanted {
        if std::env::var_os("WENDA_UPDATE_ARCHITECTURE").is_some() {
            let updated = format!("{}{START}{wanted}{}", &text[..a], &text[b..]);
            std::fs::write(&path, updated).unwrap();
            return;
        }
        panic!(
            "ARCHITECTURE.md's module graph differs from the imports; run scripts/module-graph.sh. Wanted:\n{wanted}"
        );
    }
}
