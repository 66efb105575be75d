//! PHP packages from Composer: installed ones from `vendor/composer/installed.json`
//! (Composer 1 writes a JSON array of packages, Composer 2 an object with a `packages`
//! array), declared ones from `composer.lock` (`packages` and `packages-dev`).
//!
//! Names are `vendor/package` as written. Versions are kept exactly as Composer records them,
//! including a leading `v` (`v4.6.2`): that is the tag name Packagist and the advisories
//! (FriendsOfPHP, GitHub) both use, and stripping it would lose `dev-main`-style branch
//! versions' meaning too. A `license` array lists alternatives the user may choose from;
//! each is reported as one licence. Lock files inside `vendor/` belong to a dependency's
//! own development and are not read.

use bulwark_types::{Ecosystem, Package};
use serde_json::Value;

use crate::util::to_spdx_all;
use crate::{CatalogError, Cataloger, FileInput, FileMeta, Output};

/// PHP packages from Composer's `installed.json` and `composer.lock`.
#[derive(Debug, Default, Clone, Copy)]
pub struct Php;

impl Cataloger for Php {
    fn name(&self) -> &'static str {
        "php"
    }

    fn wants(&self, path: &str, _meta: &FileMeta) -> bool {
        path.ends_with("/vendor/composer/installed.json")
            || (path.ends_with("/composer.lock") && !path.contains("/vendor/"))
    }

    fn catalog(&self, file: &FileInput<'_>, out: &mut Output) -> Result<(), CatalogError> {
        let lock = file.path.ends_with("composer.lock");
        let format = if lock {
            "composer.lock"
        } else {
            "composer installed.json"
        };
        let doc: Value = serde_json::from_slice(file.data)
            .map_err(|e| CatalogError::malformed(format, e.to_string()))?;
        let lists: Vec<&Value> = match &doc {
            // Composer 1 installed.json.
            Value::Array(_) if !lock => vec![&doc],
            Value::Object(o) => {
                let keys: &[&str] = if lock {
                    &["packages", "packages-dev"]
                } else {
                    &["packages"]
                };
                let lists: Vec<&Value> = keys.iter().filter_map(|k| o.get(*k)).collect();
                if lists.is_empty() {
                    return Err(CatalogError::malformed(format, "no packages list"));
                }
                lists
            }
            _ => {
                return Err(CatalogError::malformed(
                    format,
                    "neither a package list nor an object",
                ));
            }
        };
        for list in lists {
            let Some(entries) = list.as_array() else {
                return Err(CatalogError::malformed(format, "packages is not an array"));
            };
            out.packages.extend(entries.iter().filter_map(package));
        }
        Ok(())
    }
}

/// One package entry; `None` when it lacks a name or version.
fn package(entry: &Value) -> Option<Package> {
    let name = non_empty(entry.get("name"))?;
    let version = non_empty(entry.get("version"))?;
    let mut pkg = Package::new(Ecosystem::Composer, name, version);
    pkg.licenses = match entry.get("license") {
        Some(Value::String(s)) => to_spdx_all([s.as_str()]),
        Some(Value::Array(items)) => to_spdx_all(items.iter().filter_map(Value::as_str)),
        _ => Vec::new(),
    };
    Some(pkg)
}

fn non_empty(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::testdata;

    const SYFT: &str = "fixtures/syft/syft/pkg/cataloger/php/testdata";

    fn run(rel: &str, image_path: &str) -> Result<Vec<Package>, CatalogError> {
        let data = std::fs::read(testdata().join(rel)).unwrap();
        let input = FileInput {
            path: image_path,
            meta: FileMeta {
                size: data.len() as u64,
                mode: 0o644,
            },
            data: &data,
        };
        let mut out = Output::default();
        Php.catalog(&input, &mut out)?;
        assert!(
            out.packages
                .iter()
                .all(|p| p.ecosystem == Ecosystem::Composer)
        );
        Ok(out.packages)
    }

    fn triples(pkgs: &[Package]) -> Vec<(String, String, Vec<String>)> {
        pkgs.iter()
            .map(|p| (p.name.clone(), p.version.clone(), p.licenses.clone()))
            .collect()
    }

    const INSTALLED: &str = "/srv/php/vendor/composer/installed.json";

    #[test]
    fn wants_installed_and_lock() {
        let m = FileMeta {
            size: 1,
            mode: 0o644,
        };
        assert!(Php.wants(INSTALLED, &m));
        assert!(Php.wants("/srv/php/composer.lock", &m));
        assert!(!Php.wants("/srv/php/vendor/acme/lib/composer.lock", &m));
        assert!(!Php.wants("/srv/php/installed.json", &m));
        assert!(!Php.wants("/srv/php/composer.json", &m));
    }

    #[test]
    fn installed_json_composer_1_and_2() {
        let want = vec![
            (
                "asm89/stack-cors".to_string(),
                "1.3.0".to_string(),
                vec!["MIT".to_string()],
            ),
            (
                "behat/mink".to_string(),
                "v1.8.1".to_string(),
                vec!["MIT".to_string()],
            ),
        ];
        for v in ["composer_1", "composer_2"] {
            let p = run(&format!("{SYFT}/vendor/{v}/installed.json"), INSTALLED).unwrap();
            assert_eq!(triples(&p), want, "{v}");
        }
    }

    #[test]
    fn lock_files_include_dev_packages() {
        let p = run(&format!("{SYFT}/composer.lock"), "/app/composer.lock").unwrap();
        let names: Vec<&str> = p.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "adoy/fastcgi-client",
                "alcaeus/mongo-php-adapter",
                "behat/gherkin",
                "codeception/codeception"
            ]
        );
        assert_eq!(p[2].version, "v4.6.2", "leading v kept");
        // Real lock files; counts from `packages` + `packages-dev` checked with Python.
        let p = run(
            "lockfiles/php/Israel8a__App-Salon__0cfd0d0.lock",
            "/app/composer.lock",
        )
        .unwrap();
        assert_eq!(p.len(), 7);
        let mailer = p.iter().find(|p| p.name == "phpmailer/phpmailer").unwrap();
        assert_eq!(
            (mailer.version.as_str(), mailer.licenses.clone()),
            ("v6.8.0", vec!["LGPL-2.1-only".to_string()])
        );
        let p = run(
            "lockfiles/php/IsraelSistemas__php-api-base__103d1f9.lock",
            "/app/composer.lock",
        )
        .unwrap();
        assert_eq!(p.len(), 11);
        assert!(
            p.iter()
                .any(|p| p.name == "monolog/monolog" && p.version == "1.23.0")
        );
        let p = run(
            "lockfiles/php/IsraelPinheiro__WebJumpAssessment__4d84789.lock",
            "/app/composer.lock",
        )
        .unwrap();
        assert!(p.is_empty());
    }

    #[test]
    fn garbage_is_malformed() {
        for (rel, at) in [
            (format!("{SYFT}/glob-paths/src/installed.json"), INSTALLED),
            (
                format!("{SYFT}/glob-paths/src/composer.lock"),
                "/app/composer.lock",
            ),
        ] {
            assert!(
                matches!(run(&rel, at), Err(CatalogError::Malformed { .. })),
                "{rel}"
            );
        }
        crate::test_support::assert_all_malformed(
            &Php,
            "/app/composer.lock",
            &[
                b"{\"packages\": 3}",
                b"\"x\"",
                b"{}",
                b"[{\"name\": \"a/b\", ",
            ],
        );
    }
}
