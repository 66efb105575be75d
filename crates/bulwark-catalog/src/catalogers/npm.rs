//! npm packages: installed ones from the `package.json` at the root of each package in a
//! `node_modules` directory, declared ones from `package-lock.json`.
//!
//! Only a package's root manifest counts: `node_modules/<name>/package.json` or
//! `node_modules/@scope/<name>/package.json`. Other `package.json` files (a package's test
//! fixtures, its `lib/` subfolders, the application's own manifest) describe no installed
//! package. A manifest without a name or version (private workspace roots, stubs) yields
//! nothing, without error.
//!
//! Lock files: version 1 nests packages in `dependencies`; versions 2 and 3 list them in
//! `packages`, keyed by their `node_modules/...` install path. The root entry (`""`),
//! workspace links (`link: true`), workspace folders (keys outside `node_modules`), local
//! `file:` dependencies and entries without a version are skipped. So are `dev: true`
//! entries: production installs (`npm ci --omit=dev`) leave them out, and when they are
//! installed their `package.json` reports them. Each `name@version` is reported once per file.
//!
//! Lock files inside another package's installed tree (`node_modules`, a Ruby gem's
//! directory, Python's `site-packages`) are that package's development files, not an
//! application's dependencies, and are not read: Debian's `ruby-typeprof`, for one, ships
//! the lock file of its VS Code extension under `/usr/lib/ruby/gems/`.

use std::collections::HashSet;

use bulwark_types::{Ecosystem, Package};
use serde_json::{Map, Value};

use crate::util::to_spdx_all;
use crate::{CatalogError, Cataloger, FileInput, FileMeta, Output};

/// Directories holding installed packages, whose lock files are not an application's.
const INSTALLED_TREES: &[&str] = &[
    "/node_modules/",
    "/gems/",
    "/site-packages/",
    "/dist-packages/",
];

/// Deepest `dependencies` nesting followed in a version 1 lock file.
const MAX_V1_DEPTH: usize = 64;

/// npm packages from `node_modules/*/package.json` and `package-lock.json`.
#[derive(Debug, Default, Clone, Copy)]
pub struct Npm;

impl Cataloger for Npm {
    fn name(&self) -> &'static str {
        "npm"
    }

    fn wants(&self, path: &str, _meta: &FileMeta) -> bool {
        if path.ends_with("/package-lock.json") {
            return !INSTALLED_TREES.iter().any(|t| path.contains(t));
        }
        path.ends_with("/package.json") && is_package_root(path)
    }

    fn catalog(&self, file: &FileInput<'_>, out: &mut Output) -> Result<(), CatalogError> {
        if file.path.ends_with("package-lock.json") {
            let doc = parse_object(file.data, "package-lock.json")?;
            out.packages.extend(lock_packages(&doc));
        } else {
            let doc = parse_object(file.data, "package.json")?;
            out.packages.extend(manifest_package(&doc));
        }
        Ok(())
    }
}

/// `.../node_modules/<name>/package.json` or `.../node_modules/@scope/<name>/package.json`.
fn is_package_root(path: &str) -> bool {
    let mut parts = path.rsplit('/').skip(1);
    let (Some(name), Some(above)) = (parts.next(), parts.next()) else {
        return false;
    };
    if name.is_empty() || name.starts_with(['.', '@']) {
        return false;
    }
    match above.strip_prefix('@') {
        Some(scope) => !scope.is_empty() && parts.next() == Some("node_modules"),
        None => above == "node_modules",
    }
}

fn parse_object(data: &[u8], format: &'static str) -> Result<Map<String, Value>, CatalogError> {
    match serde_json::from_slice::<Value>(data) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(CatalogError::malformed(format, "not a JSON object")),
        Err(e) => Err(CatalogError::malformed(format, e.to_string())),
    }
}

fn manifest_package(doc: &Map<String, Value>) -> Option<Package> {
    let name = non_empty_str(doc.get("name"))?;
    let version = non_empty_str(doc.get("version"))?;
    let mut pkg = Package::new(Ecosystem::Npm, name, version);
    let mut raw = Vec::new();
    for key in ["license", "licenses"] {
        if let Some(v) = doc.get(key) {
            collect_licenses(v, &mut raw);
        }
    }
    pkg.licenses = to_spdx_all(raw);
    Some(pkg)
}

/// Licences as npm has written them over the years: `"MIT"`, `{"type": "MIT"}`, and arrays
/// of either (`licenses`, and `license` arrays in some lock files).
fn collect_licenses<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::String(s) => out.push(s),
        Value::Object(o) => out.extend(o.get("type").and_then(Value::as_str)),
        Value::Array(items) => {
            for item in items.iter().filter(|i| !i.is_array()) {
                collect_licenses(item, out);
            }
        }
        _ => {}
    }
}

fn non_empty_str(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn lock_packages(doc: &Map<String, Value>) -> Vec<Package> {
    let mut found = Found::default();
    if let Some(packages) = doc.get("packages").and_then(Value::as_object) {
        for (key, entry) in packages {
            packages_entry(key, entry, &mut found);
        }
    } else if let Some(deps) = doc.get("dependencies").and_then(Value::as_object) {
        dependencies_tree(deps, 0, &mut found);
    }
    found.packages
}

/// Packages of one lock file, each `name@version` once.
#[derive(Default)]
struct Found {
    seen: HashSet<(String, String)>,
    packages: Vec<Package>,
}

impl Found {
    fn add(&mut self, name: &str, version: &str, licenses: Option<&Value>) {
        if self.seen.insert((name.to_string(), version.to_string())) {
            let mut pkg = Package::new(Ecosystem::Npm, name, version);
            if let Some(l) = licenses {
                let mut raw = Vec::new();
                collect_licenses(l, &mut raw);
                pkg.licenses = to_spdx_all(raw);
            }
            self.packages.push(pkg);
        }
    }
}

/// One entry of a version 2/3 `packages` map.
fn packages_entry(key: &str, entry: &Value, found: &mut Found) {
    let Some((_, install_name)) = key.rsplit_once("node_modules/") else {
        return; // the root "" and workspace folders
    };
    let Some(e) = entry.as_object() else { return };
    if is_true(e.get("link")) || is_true(e.get("dev")) {
        return;
    }
    let Some(version) = non_empty_str(e.get("version")) else {
        return;
    };
    // An aliased install (`"case-alias": "npm:case@1"`) records the real name.
    let name = non_empty_str(e.get("name")).unwrap_or(install_name);
    if !name.is_empty() {
        found.add(name, version, e.get("license"));
    }
}

/// The nested `dependencies` objects of a version 1 lock file.
fn dependencies_tree(deps: &Map<String, Value>, depth: usize, found: &mut Found) {
    if depth > MAX_V1_DEPTH {
        return;
    }
    for (key, entry) in deps {
        let Some(e) = entry.as_object() else { continue };
        if is_true(e.get("dev")) {
            continue;
        }
        if let Some(version) = non_empty_str(e.get("version"))
            && !version.starts_with("file:")
            && !version.starts_with("link:")
        {
            let (name, version) = unalias(key, version);
            found.add(name, version, None);
        }
        if let Some(children) = e.get("dependencies").and_then(Value::as_object) {
            dependencies_tree(children, depth + 1, found);
        }
    }
}

/// `npm:<real name>@<version>` (an aliased dependency in a version 1 lock file).
fn unalias<'a>(key: &'a str, version: &'a str) -> (&'a str, &'a str) {
    let Some(spec) = version.strip_prefix("npm:") else {
        return (key, version);
    };
    match spec.rfind('@') {
        Some(at) if at > 0 => match (spec.get(..at), spec.get(at + 1..)) {
            (Some(n), Some(v)) if !v.is_empty() => (n, v),
            _ => (key, version),
        },
        _ => (key, version),
    }
}

fn is_true(v: Option<&Value>) -> bool {
    v.and_then(Value::as_bool).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::testdata;

    const SYFT: &str = "fixtures/syft/syft/pkg/cataloger/javascript/testdata";

    fn run(rel: &str, image_path: &str) -> Result<Vec<Package>, CatalogError> {
        let path = testdata().join(rel);
        let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let input = FileInput {
            path: image_path,
            meta: FileMeta {
                size: data.len() as u64,
                mode: 0o644,
            },
            data: &data,
        };
        let mut out = Output::default();
        Npm.catalog(&input, &mut out)?;
        assert!(out.packages.iter().all(|p| p.ecosystem == Ecosystem::Npm));
        Ok(out.packages)
    }

    fn manifest(name: &str) -> Vec<Package> {
        run(
            &format!("{SYFT}/pkg-json/{name}"),
            "/app/node_modules/npm/package.json",
        )
        .unwrap()
    }

    fn lock(rel: &str) -> Vec<Package> {
        run(rel, "/app/package-lock.json").unwrap()
    }

    fn has(pkgs: &[Package], name: &str, version: &str) -> bool {
        pkgs.iter().any(|p| p.name == name && p.version == version)
    }

    #[test]
    fn wants_only_package_roots_and_lock_files() {
        let m = FileMeta {
            size: 1,
            mode: 0o644,
        };
        for yes in [
            "/srv/app/node_modules/express/package.json",
            "/srv/app/node_modules/@types/node/package.json",
            "/srv/app/node_modules/a/node_modules/b/package.json",
            "/usr/lib/node_modules/.pnpm/x@1/node_modules/x/package.json",
            "/srv/app/package-lock.json",
        ] {
            assert!(Npm.wants(yes, &m), "{yes}");
        }
        for no in [
            "/srv/app/package.json",
            "/srv/app/node_modules/express/lib/package.json",
            "/srv/app/node_modules/@types/node/ts/package.json",
            "/srv/app/node_modules/@types/package.json",
            "/srv/app/node_modules/.bin/package.json",
            "/srv/app/node_modules/x/package-lock.json",
            "/srv/app/node_modules/.package-lock.json",
            "/usr/lib/ruby/gems/3.1.0/gems/typeprof-0.21.2/vscode/package-lock.json",
            "/usr/lib/python3/dist-packages/notebook/static/package-lock.json",
        ] {
            assert!(!Npm.wants(no, &m), "{no}");
        }
    }

    #[test]
    fn manifest_licence_forms() {
        let p = manifest("package.json");
        assert_eq!(p.len(), 1);
        assert_eq!(
            (p[0].name.as_str(), p[0].version.as_str()),
            ("npm", "6.14.6")
        );
        assert_eq!(p[0].licenses, ["Artistic-2.0"]);
        assert_eq!(manifest("package-license-object.json")[0].licenses, ["ISC"]);
        assert_eq!(
            manifest("package-license-objects.json")[0].licenses,
            ["MIT", "Apache-2.0"]
        );
        assert_eq!(
            manifest("package-malformed-license.json")[0].licenses,
            ["MIT"]
        );
        assert!(manifest("package-no-license.json")[0].licenses.is_empty());
        assert_eq!(
            manifest("package-repo-string.json")[0].name,
            "function-bind"
        );
        // Installed, so reported even though marked private.
        assert_eq!(manifest("package-private.json").len(), 1);
        // No name, no version: nothing, and no error.
        assert!(manifest("package-partial.json").is_empty());
    }

    #[test]
    fn manifests_beside_a_lock_file() {
        let p = run(
            &format!("{SYFT}/pkg-lock/node_modules/@actions/core/package.json"),
            "/a/node_modules/@actions/core/package.json",
        )
        .unwrap();
        assert_eq!(
            (p[0].name.as_str(), p[0].version.as_str()),
            ("@actions/core", "1.6.0")
        );
        assert_eq!(p[0].licenses, ["MIT"]);
    }

    #[test]
    fn lock_v1_nested_aliases_and_dev() {
        // Counts checked independently with a Python reading of the same rules.
        let p = lock(&format!("{SYFT}/pkg-lock/package-lock.json"));
        assert_eq!(p.len(), 11);
        assert!(has(&p, "@actions/core", "1.6.0") && has(&p, "cowsay", "1.4.0"));
        let p = lock(&format!("{SYFT}/pkg-lock/nested-package-lock-1.json"));
        assert_eq!(p.len(), 6);
        for (n, v) in [
            ("shared", "2.0.0"),
            ("shared", "1.0.0"),
            ("shared", "0.5.0"),
            ("middle", "1.0.0"),
        ] {
            assert!(has(&p, n, v), "{n}@{v}");
        }
        assert!(
            !p.iter().any(|x| x.name.starts_with("dev-")),
            "dev entries skipped"
        );
        let p = lock(&format!("{SYFT}/pkg-lock/alias-package-lock-1.json"));
        assert_eq!(p.len(), 3);
        assert!(has(&p, "case", "1.6.3") && has(&p, "@bundled-es-modules/chai", "4.2.2"));
    }

    #[test]
    fn lock_v2_v3_packages_map() {
        let p = lock(&format!("{SYFT}/pkg-lock/package-lock-2.json"));
        assert_eq!(p.len(), 4);
        assert!(has(&p, "@types/react", "18.0.17") && !has(&p, "npm", "6.14.6"));
        assert_eq!(
            p.iter()
                .find(|x| x.name == "@types/react")
                .unwrap()
                .licenses,
            ["MIT"]
        );
        let p = lock(&format!("{SYFT}/pkg-lock/package-lock-3.json"));
        assert_eq!(p.len(), 4);
        assert!(has(&p, "csstype", "3.1.1"));
        let p = lock(&format!("{SYFT}/pkg-lock/alias-package-lock-2.json"));
        assert_eq!(p.len(), 3);
        assert!(has(&p, "case", "1.6.3") && has(&p, "@bundled-es-modules/chai", "4.2.2"));
        let p = lock(&format!("{SYFT}/pkg-lock/array-license-package-lock.json"));
        let ps = p.iter().find(|x| x.name == "pause-stream").unwrap();
        assert_eq!(ps.licenses, ["MIT", "Apache-2.0"]);
    }

    #[test]
    fn real_lock_files_all_versions() {
        // Distinct name@version pairs per file, computed independently (Python, same rules:
        // no root, links, dev entries, file: deps or versionless entries).
        let cases = [
            ("0-ALIK__curso-node-table__e2f8ae4.json", 17),
            ("0xDebabrata__alexa-covid19-tracker__4907533.json", 18),
            ("3-dots__slack_bot_holidays__a433981.json", 0),
            ("AaronWard__alexa-random-wiki-skill__30fee43.json", 49),
            ("AdamPippert__AdamPippertFacts__cebef86.json", 3),
            ("AlignTheDeveloper__alexa_guitar_tuner__0784b5f.json", 41),
            ("KQED__skill-sample-nodejs-fact__42299b9.json", 51),
        ];
        for (file, want) in cases {
            let p = lock(&format!("lockfiles/npm/{file}"));
            assert_eq!(p.len(), want, "{file}");
        }
        // v3 with a workspace link (`node_modules/hello-world`, link: true) and the root.
        let p = lock("lockfiles/npm/AlignTheDeveloper__alexa_guitar_tuner__0784b5f.json");
        assert!(!p.iter().any(|x| x.name == "hello-world"));
        assert!(has(&p, "aws-sdk", "2.1692.0"));
    }

    #[test]
    fn corrupt_input_is_malformed() {
        for (rel, at) in [
            (
                format!("{SYFT}/corrupt/package.json"),
                "/a/node_modules/x/package.json",
            ),
            (
                format!("{SYFT}/corrupt/package-lock.json"),
                "/a/package-lock.json",
            ),
        ] {
            assert!(
                matches!(run(&rel, at), Err(CatalogError::Malformed { .. })),
                "{rel}"
            );
        }
        crate::test_support::assert_all_malformed(
            &Npm,
            "/a/package-lock.json",
            &[
                b"\x00\xff\xfe garbage",
                b"[1, 2]",
                b"{\"packages\": {\"node_modules/a\": ",
            ],
        );
    }
}
