//! The layering rules, checked by reading the source files.
//!
//! Guarantees, for every `.rs` file in the workspace's crates:
//! - no module under `crates/web/src/api` refers to `crate::pages`, and no
//!   module under `crates/web/src/pages` refers to `crate::api`: both faces
//!   call the application layer (`duijie_app`) and shared web modules instead;
//! - nothing outside `crates/store` builds a SQL `LIKE` pattern from a region
//!   code: no string literal compares a region or code column with `LIKE`,
//!   and no `format!("{…}%")` or `"53%"`-style literal turns a region code
//!   into a pattern. Outside the store a region subtree is a `RegionCode` or a
//!   `Scope`. (A test may still count demands by `title LIKE`.)
//!
//! - nothing in the web or application layers opens a record the store loaded
//!   by id without a decision (`Unchecked::unscoped`), makes a principal
//!   (`Principal::of_account`, `Principal::platform`) or lists without a
//!   caller's scope (`Scope::everything`): a person's request reaches records
//!   only through `duijie_app::open`/`Unchecked::check` and `Principal::scope`.
//!
//! A failure names each file and line that breaks a rule. Comments are not
//! code and are not checked.

use std::path::{Path, PathBuf};

fn crates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n == "target") {
                continue;
            }
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every source file as (path relative to `crates/`, its lines).
fn sources() -> Vec<(String, Vec<String>)> {
    let root = crates_dir();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(&root).unwrap_or(&p).to_string_lossy().replace('\\', "/");
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            (rel, text.lines().map(str::to_string).collect())
        })
        .collect()
}

/// The code part of a line (without a trailing `//` comment); empty for comment lines.
fn code(line: &str) -> &str {
    let t = line.trim_start();
    if t.starts_with("//") {
        return "";
    }
    // A `//` inside a string literal (a URL) is rare in these files; cut only outside quotes.
    let mut in_str = false;
    let bytes = line.as_bytes();
    for i in 0..bytes.len() {
        match bytes[i] {
            b'"' if i == 0 || bytes[i - 1] != b'\\' => in_str = !in_str,
            b'/' if !in_str && bytes.get(i + 1) == Some(&b'/') => return &line[..i],
            _ => {}
        }
    }
    line
}

/// Whether `code` refers to module `module` of the web crate (`crate::module`,
/// or `use crate::{…, module, …}`).
fn refers_to(code: &str, module: &str) -> bool {
    let path = format!("crate::{module}");
    if code.match_indices(&path).any(|(i, _)| !code[i + path.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_')) {
        return true;
    }
    if let Some(i) = code.find("crate::{") {
        let group = &code[i..code[i..].find('}').map_or(code.len(), |j| i + j)];
        return group.split(|c: char| !(c.is_alphanumeric() || c == '_')).any(|w| w == module);
    }
    false
}

/// `file:line: text` for every line of `files` that `bad` flags.
fn offences(files: &[(String, Vec<String>)], applies: impl Fn(&str) -> bool, bad: impl Fn(&str, &str) -> bool) -> Vec<String> {
    let mut out = Vec::new();
    for (file, lines) in files.iter().filter(|(f, _)| applies(f)) {
        for (n, line) in lines.iter().enumerate() {
            let c = code(line);
            if !c.is_empty() && bad(file, c) {
                out.push(format!("{file}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    out
}

fn assert_none(rule: &str, found: Vec<String>) {
    assert!(found.is_empty(), "{rule}:\n  {}", found.join("\n  "));
}

#[test]
fn api_modules_do_not_use_page_modules() {
    let found = offences(&sources(), |f| f.starts_with("web/src/api/"), |_, c| refers_to(c, "pages"));
    assert_none("an API module refers to a page module (call duijie_app or a shared web module instead)", found);
}

#[test]
fn page_modules_do_not_use_api_modules() {
    let found = offences(&sources(), |f| f.starts_with("web/src/pages/"), |_, c| refers_to(c, "api"));
    assert_none("a page module refers to an API module (call duijie_app or a shared web module instead)", found);
}

/// Whether `code` holds a string literal that compares a region or code column with `LIKE`.
fn sql_like(code: &str) -> bool {
    code.split('"').skip(1).step_by(2).any(|lit| {
        let words: Vec<&str> = lit.split_whitespace().collect();
        words.windows(2).any(|w| w[1] == "LIKE" && (w[0].contains("region") || w[0].contains("code")))
    })
}

/// Whether `code` builds a prefix pattern: `"{}%"`, `"{code}%"` or a literal such as `"53%"`.
fn prefix_pattern(code: &str) -> bool {
    code.split('"').skip(1).step_by(2).any(|lit| {
        let Some(head) = lit.strip_suffix('%') else { return false };
        head.chars().all(|c| c.is_ascii_digit())
            || head.starts_with('{') && head.ends_with('}') && head[1..head.len() - 1].chars().all(|c| c.is_alphanumeric() || c == '_' || c == '.')
    })
}

#[test]
fn only_the_store_builds_like_patterns() {
    let this_file = "web/tests/architecture.rs";
    let found = offences(&sources(), |f| !f.starts_with("store/") && f != this_file, |_, c| sql_like(c) || prefix_pattern(c));
    assert_none("SQL LIKE or a region prefix pattern outside crates/store (pass a RegionCode or a Scope to the store)", found);
}

/// Whether `code` takes a way around the caller's decision.
fn bypasses_access(code: &str) -> bool {
    ["unscoped()", "Unchecked::unscoped", "Principal::of_account", "Principal::platform", "Scope::everything"].iter().any(|w| code.contains(w))
}

/// Each file without its unit tests (a module's `#[cfg(test)] mod tests` comes
/// last): tests may set up any scope, the code people reach may not.
fn without_unit_tests(files: Vec<(String, Vec<String>)>) -> Vec<(String, Vec<String>)> {
    files.into_iter().map(|(f, lines)| (f, lines.into_iter().take_while(|l| l.trim() != "#[cfg(test)]").collect())).collect()
}

#[test]
fn people_reach_records_only_through_a_decision() {
    let found = offences(&without_unit_tests(sources()), |f| f.starts_with("web/src/") || f.starts_with("app/src/"), |_, c| bypasses_access(c));
    assert_none("the web or application layer opens a record, makes a principal or lists without the caller's decision", found);
}

#[test]
fn the_checks_see_what_they_look_for() {
    assert!(bypasses_access("let d = demand::get(db, id).await?.map(Unchecked::unscoped);"));
    assert!(bypasses_access("let o = loaded.unscoped();"));
    assert!(bypasses_access("let who = Principal::platform();"));
    assert!(!bypasses_access("let d = duijie_app::open(demand::get(db, id).await?, who, Action::ViewDemand)?;"));
    assert!(refers_to("use crate::pages::orgs::find;", "pages"));
    assert!(refers_to("use crate::{AppState, pages};", "pages"));
    assert!(!refers_to("use crate::pages_extra;", "pages"));
    assert!(sql_like(r#"let sql = "SELECT 1 FROM users WHERE region_code LIKE $1";"#));
    assert!(!sql_like(r#"let sql = "SELECT 1 FROM demands WHERE title LIKE $1";"#));
    assert!(!sql_like("// code LIKE 'prefix%'"));
    assert!(prefix_pattern(r#"let like = format!("{}%", r.as_str());"#));
    assert!(prefix_pattern(r#"users::list(db, "53%", 1, 0)"#));
    assert!(!prefix_pattern(r#"format!("{:.1}%", rate)"#));
    assert_eq!(code("let a = 1; // crate::pages"), "let a = 1; ");
    assert!(sources().iter().any(|(f, _)| f == "web/src/api/mod.rs"), "the checks must find the web crate's sources");
}
