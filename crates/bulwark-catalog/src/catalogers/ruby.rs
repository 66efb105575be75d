//! Installed Ruby gems from `specifications/*.gemspec` (and RubyGems' default gems in
//! `specifications/default/`), wherever the gem directory is: `/usr/lib/ruby/gems/3.1.0/`,
//! Debian's `/usr/share/rubygems-integration/all/`, a bundler `vendor/bundle/`.
//!
//! A gemspec is Ruby code. It is read, never run: inside the
//! `Gem::Specification.new do |s| ... end` block, assignments to the block variable's
//! `name`, `version`, `license` and `licenses` are taken when their value is a string literal
//! (`"rack"`, `'rack'`, `"rack".freeze`), `Gem::Version.new("2.2.4")`, an array of string
//! literals (possibly over several lines), or a constant assigned a string literal in the same
//! file. RubyGems writes installed specifications in exactly these forms. A version held in
//! another file (`MyGem::VERSION` from `lib/`, typical of source trees) cannot be resolved;
//! such a gem is skipped with a warning.

use bulwark_types::{Ecosystem, Package};

use crate::util::to_spdx_all;
use crate::{CatalogError, Cataloger, FileInput, FileMeta, Output};

const FORMAT: &str = "gemspec";
/// Lines an array literal may span before it is given up on.
const MAX_ARRAY_LINES: usize = 64;

/// Installed Ruby gems from their specification files.
#[derive(Debug, Default, Clone, Copy)]
pub struct Ruby;

impl Cataloger for Ruby {
    fn name(&self) -> &'static str {
        "ruby"
    }

    fn wants(&self, path: &str, _meta: &FileMeta) -> bool {
        let Some(dir) = path
            .strip_suffix(".gemspec")
            .and_then(|p| p.rsplit_once('/'))
            .map(|(d, _)| d)
        else {
            return false;
        };
        dir.ends_with("/specifications") || dir.ends_with("/specifications/default")
    }

    fn catalog(&self, file: &FileInput<'_>, out: &mut Output) -> Result<(), CatalogError> {
        // No check for NUL bytes: RubyGems separates the extension list in the `# stub:`
        // header with them. Binary garbage fails for want of a specification block.
        let text = String::from_utf8_lossy(file.data);
        let spec = Spec::parse(&text)?;
        let name = spec
            .name
            .ok_or_else(|| CatalogError::malformed(FORMAT, "no literal name"))?;
        let version = match spec.version {
            Some(Value::Literal(v)) => v,
            Some(Value::Unresolved(expr)) => {
                out.warnings.push(format!(
                    "gem {name}: version {expr} is not a literal; skipped"
                ));
                return Ok(());
            }
            None => {
                return Err(CatalogError::malformed(
                    FORMAT,
                    format!("gem {name} has no version"),
                ));
            }
        };
        let mut pkg = Package::new(Ecosystem::Gem, name, version);
        pkg.licenses = to_spdx_all(spec.licenses);
        out.packages.push(pkg);
        Ok(())
    }
}

enum Value {
    Literal(String),
    Unresolved(String),
}

#[derive(Default)]
struct Spec {
    name: Option<String>,
    version: Option<Value>,
    licenses: Vec<String>,
}

impl Spec {
    fn parse(text: &str) -> Result<Self, CatalogError> {
        let lines: Vec<&str> = text.lines().map(strip_comment).collect();
        let (start, var) = lines
            .iter()
            .enumerate()
            .find_map(|(i, l)| block_variable(l).map(|v| (i, v)))
            .ok_or_else(|| CatalogError::malformed(FORMAT, "no Gem::Specification.new block"))?;
        let mut spec = Spec::default();
        let mut i = start + 1;
        while let Some(line) = lines.get(i) {
            i += 1;
            let Some((attr, rhs)) = assignment(line, var) else {
                continue;
            };
            match attr {
                "name" => spec.name = string_literal(rhs).filter(|n| !n.is_empty()),
                "version" => spec.version = version_value(rhs, &lines),
                "license" | "licenses" => {
                    let mut rhs = rhs.to_string();
                    let mut extra = 0;
                    while rhs.contains('[') && !rhs.contains(']') && extra < MAX_ARRAY_LINES {
                        let Some(next) = lines.get(i) else { break };
                        rhs.push(' ');
                        rhs.push_str(next);
                        i += 1;
                        extra += 1;
                    }
                    spec.licenses = string_literals(&rhs);
                }
                _ => {}
            }
        }
        Ok(spec)
    }
}

/// `s` in `Gem::Specification.new do |s|` (or `{ |s|`).
fn block_variable(line: &str) -> Option<&str> {
    let after = line.split_once("Specification.new")?.1;
    let inner = after.split_once('|')?.1.split_once('|')?.0.trim();
    is_identifier(inner).then_some(inner)
}

/// `<var>.<attr> = <rhs>`, returning the attribute and the right-hand side.
fn assignment<'a>(line: &'a str, var: &str) -> Option<(&'a str, &'a str)> {
    let rest = line.trim_start().strip_prefix(var)?.strip_prefix('.')?;
    let (attr, rhs) = rest.split_once('=')?;
    let attr = attr.trim();
    if !is_identifier(attr) || rhs.starts_with(['=', '~']) {
        return None;
    }
    Some((attr, rhs.trim()))
}

fn version_value(rhs: &str, lines: &[&str]) -> Option<Value> {
    if let Some(v) = string_literal(rhs) {
        return Some(Value::Literal(v));
    }
    let inner = rhs.strip_prefix("Gem::Version.new").map(str::trim);
    if let Some(v) = inner
        .and_then(|i| i.strip_prefix('('))
        .and_then(string_literal)
    {
        return Some(Value::Literal(v));
    }
    // A constant assigned in this file: `VERSION = "1.0"` ... `s.version = VERSION`.
    let name = rhs.trim_end_matches(".freeze").trim();
    if is_constant(name) {
        let assigned = lines.iter().find_map(|l| {
            let (lhs, value) = l.split_once('=')?;
            (lhs.trim() == name && !value.starts_with(['=', '~']))
                .then(|| string_literal(value.trim()))?
        });
        if let Some(v) = assigned {
            return Some(Value::Literal(v));
        }
    }
    Some(Value::Unresolved(rhs.to_string()))
}

/// The string literal `s` starts with, `"..."` or `'...'`, with `\"`-style escapes undone.
fn string_literal(s: &str) -> Option<String> {
    let mut chars = s.trim_start().chars();
    let quote = chars.next().filter(|c| *c == '"' || *c == '\'')?;
    let mut out = String::new();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            c if c == quote => return Some(out.trim().to_string()),
            c => out.push(c),
        }
    }
    None
}

/// Every string literal in `s` (an array literal, or one string).
fn string_literals(s: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = s;
    while let Some(at) = rest.find(['"', '\'']) {
        let Some(tail) = rest.get(at..) else { break };
        let Some(lit) = string_literal(tail) else {
            break;
        };
        // Skip past the closing quote: the literal's raw length is at least its text + 2.
        let raw_len = literal_raw_len(tail).unwrap_or(tail.len());
        rest = tail.get(raw_len..).unwrap_or("");
        if !lit.is_empty() {
            found.push(lit);
        }
    }
    found
}

fn literal_raw_len(s: &str) -> Option<usize> {
    let quote = s.chars().next()?;
    let mut escaped = false;
    for (i, c) in s.char_indices().skip(1) {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == quote {
            return Some(i + c.len_utf8());
        }
    }
    None
}

/// The line up to a `#` comment that is not inside a string literal.
fn strip_comment(line: &str) -> &str {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match quote {
            Some(_) if escaped => escaped = false,
            Some(_) if c == '\\' => escaped = true,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '#' => return line.get(..i).unwrap_or(line),
            None => {}
        }
    }
    line
}

fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

fn is_constant(s: &str) -> bool {
    is_identifier(s) && s.starts_with(|c: char| c.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::testdata;

    const TRIVY: &str = "fixtures/trivy/pkg/dependency/parser/ruby/gemspec/testdata";
    const SCALIBR: &str =
        "fixtures/osv-scalibr/extractor/filesystem/language/ruby/gemspec/testdata";
    const SYFT: &str = "fixtures/syft/syft/pkg/cataloger/ruby/testdata";

    fn run(rel: &str) -> Result<Output, CatalogError> {
        let data = std::fs::read(testdata().join(rel)).unwrap();
        let input = FileInput {
            path: "/usr/lib/ruby/gems/3.1.0/specifications/x.gemspec",
            meta: FileMeta {
                size: data.len() as u64,
                mode: 0o644,
            },
            data: &data,
        };
        let mut out = Output::default();
        Ruby.catalog(&input, &mut out).map(|()| out)
    }

    fn gem(rel: &str) -> (String, String, Vec<String>) {
        let out = run(rel).unwrap();
        assert_eq!(out.packages.len(), 1, "{rel}");
        let p = &out.packages[0];
        assert_eq!(p.ecosystem, Ecosystem::Gem);
        (p.name.clone(), p.version.clone(), p.licenses.clone())
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn wants_specification_directories() {
        let m = FileMeta {
            size: 1,
            mode: 0o644,
        };
        assert!(Ruby.wants(
            "/usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec",
            &m
        ));
        assert!(Ruby.wants(
            "/usr/share/rubygems-integration/all/specifications/rack-2.2.22.gemspec",
            &m
        ));
        assert!(Ruby.wants(
            "/usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec",
            &m
        ));
        assert!(!Ruby.wants("/src/app/myapp.gemspec", &m));
        assert!(!Ruby.wants("/usr/lib/ruby/gems/3.1.0/gems/rake-13.0.6/rake.gemspec", &m));
        assert!(!Ruby.wants("/x/specifications/README", &m));
    }

    #[test]
    fn installed_specifications() {
        assert_eq!(
            gem(&format!("{TRIVY}/normal00.gemspec")),
            ("rake".into(), "13.0.3".into(), strings(&["MIT"]))
        );
        assert_eq!(
            gem(&format!("{TRIVY}/multiple_licenses.gemspec")),
            (
                "test-unit".into(),
                "3.3.7".into(),
                strings(&["Ruby", "BSDL", "PSFL"])
            )
        );
        assert_eq!(
            gem(&format!("{SYFT}/bundler.gemspec")),
            ("bundler".into(), "2.1.4".into(), strings(&["MIT"]))
        );
        assert_eq!(
            gem(&format!("{SYFT}/formatador.gemspec")).1,
            "1.1.0",
            "`.freeze` on the version"
        );
        assert_eq!(
            gem(&format!("{SCALIBR}/rss-0.2.9.gemspec")).2,
            ["BSD-2-Clause"]
        );
        assert_eq!(
            gem(&format!("{SCALIBR}/yaml-0.2.1.gemspec")).2,
            ["Ruby", "BSD-2-Clause"]
        );
    }

    #[test]
    fn hand_written_forms() {
        // `spec` receiver, `license =` singular, trailing comments, a string for `licenses`.
        assert_eq!(
            gem(&format!("{TRIVY}/license.gemspec")),
            ("async".into(), "1.25.0".into(), strings(&["MIT"]))
        );
        assert_eq!(
            gem(&format!("{TRIVY}/normal01.gemspec")),
            ("async".into(), "1.25.0".into(), strings(&["MIT"]))
        );
        // A version constant defined in the same file.
        assert_eq!(gem(&format!("{SCALIBR}/version_inline.gemspec")).1, "3.0.0");
    }

    #[test]
    fn version_from_another_file_is_skipped_with_a_warning() {
        let out = run(&format!(
            "{SCALIBR}/version_constant/version_constant.gemspec"
        ))
        .unwrap();
        assert!(out.packages.is_empty());
        assert_eq!(out.warnings.len(), 1);
        assert!(
            out.warnings[0].contains("ExampleApp::VERSION"),
            "{:?}",
            out.warnings
        );
    }

    #[test]
    fn malformed_specs() {
        for f in [
            format!("{TRIVY}/malformed00.gemspec"), // assigns to `s` inside `do |spec|`
            format!("{TRIVY}/malformed01.gemspec"), // no version
            format!("{SCALIBR}/invalid.gemspec"),   // truncated after `s.name =`
            format!("{SCALIBR}/badspec.gemspec"),   // no Specification.new block
            format!("{SCALIBR}/empty.gemspec"),
        ] {
            assert!(
                matches!(run(&f), Err(CatalogError::Malformed { .. })),
                "{f}"
            );
        }
    }

    #[test]
    fn literals_and_multiline_arrays() {
        let text = "Gem::Specification.new do |g|\n  g.name = 'a\\'b' # x\n  g.version = Gem::Version.new(\"1.2\")\n  g.licenses = [\n    \"MIT\",\n    'Apache-2.0' # c\n  ]\nend\n";
        let spec = Spec::parse(text).unwrap();
        assert_eq!(spec.name.as_deref(), Some("a'b"));
        assert!(matches!(spec.version, Some(Value::Literal(ref v)) if v == "1.2"));
        assert_eq!(spec.licenses, ["MIT", "Apache-2.0"]);
        assert_eq!(strip_comment("s.x = \"#{a}\" # c"), "s.x = \"#{a}\" ");
    }

    #[test]
    fn nul_separated_stub_header_is_fine_but_garbage_is_not() {
        // Invented, in the shape of Ruby 3.1's default `json` gemspec, whose `# stub:`
        // extension list is NUL separated; no such file is in the shared test data.
        let text = "# stub: json 2.6.1 ruby lib\n# stub: ext/a/extconf.rb\0ext/b/extconf.rb\nGem::Specification.new do |s|\n  s.name = \"json\".freeze\n  s.version = \"2.6.1\"\nend\n";
        let input = FileInput {
            path: "/usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec",
            meta: FileMeta {
                size: 1,
                mode: 0o644,
            },
            data: text.as_bytes(),
        };
        let mut out = Output::default();
        Ruby.catalog(&input, &mut out).unwrap();
        assert_eq!(
            (
                out.packages[0].name.as_str(),
                out.packages[0].version.as_str()
            ),
            ("json", "2.6.1")
        );
        let garbage = FileInput {
            data: b"\x7fELF\x02\x01\x00\x00 s.name = \"x\"",
            ..input
        };
        assert!(matches!(
            Ruby.catalog(&garbage, &mut out),
            Err(CatalogError::Malformed { .. })
        ));
    }
}
