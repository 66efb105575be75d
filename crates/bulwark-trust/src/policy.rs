//! Trust policies: which keys exist, and which stages must vouch for an image.
//!
//! A policy is a TOML file:
//!
//! ```toml
//! [keys.ci]
//! path = "keys/ci.pub"            # relative to the policy file; or `pem = """..."""`
//! [keys.scan]
//! path = "keys/scan.pub"
//! not_after = "2027-06-30T00:00:00Z"   # optional validity window
//!
//! [[require]]
//! name = "ci"                     # the stage, as reports name it
//! signature = true                # a signature (the default) ...
//! keys = ["ci"]
//! annotations = { stage = "ci" }  # ... whose payload carries these annotations
//!
//! [[require]]
//! name = "scan"
//! attestation = "vuln"            # an attestation of this predicate type (shorthand or URI)
//! keys = ["scan"]
//! max_age = "24h"
//!
//! [[require]]
//! name = "maintainers"
//! keys = ["alice", "bob", "carol"]
//! threshold = 2                   # any 2 of the 3 keys
//! ```
//!
//! Every requirement must hold for the image to pass.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use bulwark_sign::PublicKey;
use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Largest policy file read.
const MAX_POLICY_BYTES: u64 = 1024 * 1024;

/// A policy that parsed, with every key loaded and every reference checked.
#[derive(Debug, Clone)]
pub struct Policy {
    pub keys: BTreeMap<String, TrustedKey>,
    pub requirements: Vec<Requirement>,
}

/// A named public key and when it may be used.
#[derive(Clone)]
pub struct TrustedKey {
    pub name: String,
    pub key: PublicKey,
    pub not_before: Option<OffsetDateTime>,
    pub not_after: Option<OffsetDateTime>,
}

impl std::fmt::Debug for TrustedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustedKey")
            .field("name", &self.name)
            .field("key_id", &self.key.key_id())
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .finish()
    }
}

impl TrustedKey {
    /// Why the key may not be used at `now`, if it may not.
    pub fn validity_problem(&self, now: OffsetDateTime) -> Option<String> {
        if let Some(after) = self.not_after.filter(|t| now > *t) {
            return Some(format!(
                "key {} expired on {}",
                self.name,
                after.format(&Rfc3339).unwrap_or_default()
            ));
        }
        if let Some(before) = self.not_before.filter(|t| now < *t) {
            return Some(format!(
                "key {} is not valid before {}",
                self.name,
                before.format(&Rfc3339).unwrap_or_default()
            ));
        }
        None
    }
}

/// One stage that must vouch for the image.
#[derive(Debug, Clone, PartialEq)]
pub struct Requirement {
    pub name: String,
    pub what: Evidence,
    /// Names of the keys that may satisfy it.
    pub keys: Vec<String>,
    /// How many distinct keys must satisfy it.
    pub threshold: usize,
}

/// What a requirement asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Evidence {
    /// A simple-signing signature whose optional annotations include these.
    Signature {
        annotations: BTreeMap<String, String>,
    },
    /// An in-toto attestation of this predicate type, no older than `max_age`.
    Attestation {
        predicate_type: String,
        max_age: Option<Duration>,
    },
}

/// Why a policy cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("cannot read policy {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("policy {path} is larger than {MAX_POLICY_BYTES} bytes")]
    TooLarge { path: PathBuf },
    #[error("policy is not valid TOML: {0}")]
    Syntax(String),
    #[error("key {name}: {reason}")]
    Key { name: String, reason: String },
    #[error("requirement {name}: {reason}")]
    Requirement { name: String, reason: String },
    #[error("the policy requires nothing; add at least one [[require]]")]
    Empty,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    #[serde(default)]
    keys: BTreeMap<String, RawKey>,
    #[serde(default)]
    require: Vec<RawRequirement>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKey {
    path: Option<PathBuf>,
    pem: Option<String>,
    not_before: Option<String>,
    not_after: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequirement {
    name: String,
    #[serde(default)]
    signature: Option<bool>,
    #[serde(default)]
    attestation: Option<String>,
    keys: Vec<String>,
    #[serde(default)]
    threshold: Option<usize>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
    #[serde(default)]
    max_age: Option<String>,
}

impl Policy {
    /// Reads a policy file; key paths are relative to the file's directory.
    pub fn load(path: &Path) -> Result<Self, PolicyError> {
        let read_err = |source| PolicyError::Read {
            path: path.to_path_buf(),
            source,
        };
        let size = std::fs::metadata(path).map_err(read_err)?.len();
        if size > MAX_POLICY_BYTES {
            return Err(PolicyError::TooLarge {
                path: path.to_path_buf(),
            });
        }
        let text = std::fs::read_to_string(path).map_err(read_err)?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::parse(&text, base)
    }

    /// Parses policy text; relative key paths resolve against `base`.
    pub fn parse(text: &str, base: &Path) -> Result<Self, PolicyError> {
        let raw: RawPolicy =
            toml::from_str(text).map_err(|e| PolicyError::Syntax(e.to_string()))?;
        let mut keys = BTreeMap::new();
        for (name, raw_key) in raw.keys {
            let key = load_key(&name, raw_key, base)?;
            keys.insert(name, key);
        }
        let mut requirements = Vec::new();
        let mut names = BTreeSet::new();
        for raw_req in raw.require {
            let req = build_requirement(raw_req, &keys)?;
            if !names.insert(req.name.clone()) {
                return Err(PolicyError::Requirement {
                    name: req.name,
                    reason: "the name is used twice".into(),
                });
            }
            requirements.push(req);
        }
        if requirements.is_empty() {
            return Err(PolicyError::Empty);
        }
        Ok(Self { keys, requirements })
    }

    /// A policy built from command-line flags: each key file is one signature requirement
    /// named after the file (`ci.pub` -> `ci`); with `attestation`, each is an attestation
    /// requirement of that predicate type instead.
    pub fn from_keys(
        key_files: &[PathBuf],
        attestation: Option<&str>,
        annotations: &BTreeMap<String, String>,
    ) -> Result<Self, PolicyError> {
        let mut keys = BTreeMap::new();
        let mut requirements = Vec::new();
        for path in key_files {
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.display().to_string());
            let key = load_key(
                &name,
                RawKey {
                    path: Some(path.clone()),
                    pem: None,
                    not_before: None,
                    not_after: None,
                },
                Path::new("."),
            )?;
            let what = match attestation {
                Some(kind) => Evidence::Attestation {
                    predicate_type: predicate_type(&name, kind)?,
                    max_age: None,
                },
                None => Evidence::Signature {
                    annotations: annotations.clone(),
                },
            };
            if keys.insert(name.clone(), key).is_some() {
                return Err(PolicyError::Key {
                    name,
                    reason: "two key files have this name".into(),
                });
            }
            requirements.push(Requirement {
                name: name.clone(),
                what,
                keys: vec![name],
                threshold: 1,
            });
        }
        if requirements.is_empty() {
            return Err(PolicyError::Empty);
        }
        Ok(Self { keys, requirements })
    }
}

fn load_key(name: &str, raw: RawKey, base: &Path) -> Result<TrustedKey, PolicyError> {
    let fail = |reason: String| PolicyError::Key {
        name: name.to_string(),
        reason,
    };
    let pem = match (raw.path, raw.pem) {
        (Some(path), None) => {
            let path = base.join(path);
            std::fs::read_to_string(&path)
                .map_err(|e| fail(format!("cannot read {}: {e}", path.display())))?
        }
        (None, Some(pem)) => pem,
        _ => return Err(fail("give exactly one of `path` and `pem`".into())),
    };
    let key = PublicKey::from_pem(&pem).map_err(|e| fail(e.to_string()))?;
    let time = |field: &str, value: Option<String>| {
        value
            .map(|v| {
                OffsetDateTime::parse(&v, &Rfc3339)
                    .map_err(|e| fail(format!("{field} {v:?} is not an RFC 3339 time: {e}")))
            })
            .transpose()
    };
    Ok(TrustedKey {
        name: name.to_string(),
        key,
        not_before: time("not_before", raw.not_before)?,
        not_after: time("not_after", raw.not_after)?,
    })
}

fn build_requirement(
    raw: RawRequirement,
    keys: &BTreeMap<String, TrustedKey>,
) -> Result<Requirement, PolicyError> {
    let name = raw.name;
    let fail = |reason: String| PolicyError::Requirement {
        name: name.clone(),
        reason,
    };
    if name.trim().is_empty() {
        return Err(fail("the name is empty".into()));
    }
    if raw.keys.is_empty() {
        return Err(fail("names no keys".into()));
    }
    for key in &raw.keys {
        if !keys.contains_key(key) {
            return Err(fail(format!("key {key:?} is not defined under [keys]")));
        }
    }
    let distinct: BTreeSet<&String> = raw.keys.iter().collect();
    if distinct.len() != raw.keys.len() {
        return Err(fail("lists a key twice".into()));
    }
    let threshold = raw.threshold.unwrap_or(1);
    if threshold == 0 || threshold > raw.keys.len() {
        return Err(fail(format!(
            "threshold {threshold} must be between 1 and the number of keys ({})",
            raw.keys.len()
        )));
    }
    let what = match (raw.signature, raw.attestation) {
        (Some(true), Some(_)) => {
            return Err(fail(
                "asks for both a signature and an attestation; use two requirements".into(),
            ));
        }
        (_, Some(kind)) => {
            if !raw.annotations.is_empty() {
                return Err(fail(
                    "`annotations` applies to signatures, not attestations".into(),
                ));
            }
            let max_age = raw
                .max_age
                .as_deref()
                .map(|v| parse_duration(v).map_err(&fail))
                .transpose()?;
            Evidence::Attestation {
                predicate_type: predicate_type(&name, &kind)?,
                max_age,
            }
        }
        (Some(false), None) => {
            return Err(fail(
                "`signature = false` needs `attestation = TYPE` instead".into(),
            ));
        }
        (None | Some(true), None) => {
            if raw.max_age.is_some() {
                return Err(fail(
                    "`max_age` applies to attestations (signatures carry no time)".into(),
                ));
            }
            Evidence::Signature {
                annotations: raw.annotations,
            }
        }
    };
    Ok(Requirement {
        name: name.clone(),
        what,
        keys: raw.keys,
        threshold,
    })
}

fn predicate_type(name: &str, kind: &str) -> Result<String, PolicyError> {
    bulwark_sign::predicate_type_for(kind).ok_or_else(|| PolicyError::Requirement {
        name: name.to_string(),
        reason: format!(
            "unknown attestation type {kind:?} (use cyclonedx, spdxjson, vuln, slsaprovenance, slsaprovenance1, custom or a predicate type URI)"
        ),
    })
}

/// Parses `90s`, `30m`, `24h`, `7d` (one number, one unit).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("duration {text:?} must be a number and a unit (s, m, h, d)"))?;
    let seconds = match unit {
        "s" => Some(number),
        "m" => number.checked_mul(60),
        "h" => number.checked_mul(3600),
        "d" => number.checked_mul(86_400),
        _ => None,
    }
    .ok_or_else(|| format!("duration {text:?} must be a number and a unit (s, m, h, d)"))?;
    if seconds == 0 {
        return Err(format!("duration {text:?} must be longer than zero"));
    }
    Ok(Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;
    use bulwark_sign::{KeyAlgorithm, SigningKey};

    fn dir_with_keys(names: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for name in names {
            let key = SigningKey::generate(KeyAlgorithm::EcdsaP256);
            std::fs::write(
                dir.path().join(format!("{name}.pub")),
                key.public_key().to_pem(),
            )
            .unwrap();
        }
        dir
    }

    const FULL: &str = r#"
[keys.ci]
path = "ci.pub"
[keys.scan]
path = "scan.pub"
not_after = "2030-01-01T00:00:00Z"
[keys.a]
path = "a.pub"
[keys.b]
path = "b.pub"

[[require]]
name = "ci"
keys = ["ci"]
annotations = { stage = "ci" }

[[require]]
name = "scan"
attestation = "vuln"
keys = ["scan"]
max_age = "24h"

[[require]]
name = "maintainers"
keys = ["a", "b"]
threshold = 2
"#;

    #[test]
    fn parses_a_full_policy() {
        let dir = dir_with_keys(&["ci", "scan", "a", "b"]);
        let policy = Policy::parse(FULL, dir.path()).unwrap();
        assert_eq!(policy.keys.len(), 4);
        assert_eq!(policy.requirements.len(), 3);
        assert_eq!(
            policy.requirements[0].what,
            Evidence::Signature {
                annotations: BTreeMap::from([("stage".into(), "ci".into())])
            }
        );
        assert_eq!(
            policy.requirements[1].what,
            Evidence::Attestation {
                predicate_type: "https://cosign.sigstore.dev/attestation/vuln/v1".into(),
                max_age: Some(Duration::from_secs(86_400)),
            }
        );
        assert_eq!(policy.requirements[2].threshold, 2);
        assert!(policy.keys["scan"].not_after.is_some());
    }

    #[test]
    fn rejects_malformed_policies_with_a_reason() {
        let dir = dir_with_keys(&["ci", "scan", "a", "b"]);
        let keys = "[keys.ci]\npath = \"ci.pub\"\n[keys.a]\npath=\"a.pub\"\n";
        let cases: &[(&str, &str)] = &[
            ("[[require]\n", "not valid TOML"),
            ("", "requires nothing"),
            (
                "[keys.ci]\npath = \"missing.pub\"\n[[require]]\nname=\"x\"\nkeys=[\"ci\"]\n",
                "cannot read",
            ),
            (
                "[keys.ci]\npem = \"not a key\"\n[[require]]\nname=\"x\"\nkeys=[\"ci\"]\n",
                "key ci",
            ),
            ("[keys.ci]\npath = \"ci.pub\"\npem = \"x\"\n", "exactly one"),
            (
                "[keys.ci]\npath = \"ci.pub\"\nnot_after = \"tomorrow\"\n",
                "RFC 3339",
            ),
            ("[[require]]\nname=\"x\"\nkeys=[\"nope\"]\n", "not defined"),
            ("[[require]]\nname=\"x\"\nkeys=[]\n", "names no keys"),
            (
                "[[require]]\nname=\"x\"\nkeys=[\"ci\",\"a\"]\nthreshold=3\n",
                "threshold 3",
            ),
            (
                "[[require]]\nname=\"x\"\nkeys=[\"ci\"]\nthreshold=0\n",
                "threshold 0",
            ),
            ("[[require]]\nname=\"x\"\nkeys=[\"ci\",\"ci\"]\n", "twice"),
            (
                "[[require]]\nname=\"x\"\nkeys=[\"ci\"]\n[[require]]\nname=\"x\"\nkeys=[\"a\"]\n",
                "used twice",
            ),
            (
                "[[require]]\nname=\"x\"\nkeys=[\"ci\"]\nattestation=\"bogus\"\n",
                "unknown attestation type",
            ),
            (
                "[[require]]\nname=\"x\"\nkeys=[\"ci\"]\nattestation=\"vuln\"\nmax_age=\"soon\"\n",
                "number and a unit",
            ),
            (
                "[[require]]\nname=\"x\"\nkeys=[\"ci\"]\nmax_age=\"1h\"\n",
                "applies to attestations",
            ),
            (
                "[[require]]\nname=\"x\"\nkeys=[\"ci\"]\nsignature=true\nattestation=\"vuln\"\n",
                "both",
            ),
            (
                "[[require]]\nname=\"x\"\nkeys=[\"ci\"]\nattestation=\"vuln\"\nannotations={a=\"b\"}\n",
                "applies to signatures",
            ),
            (
                "[[require]]\nname=\"x\"\nkeys=[\"ci\"]\ncolour=\"red\"\n",
                "unknown field",
            ),
        ];
        for (body, expected) in cases {
            let text = if body.starts_with("[keys.ci]") {
                body.to_string()
            } else {
                format!("{keys}{body}")
            };
            let err = Policy::parse(&text, dir.path()).unwrap_err().to_string();
            assert!(err.contains(expected), "{body:?}: {err}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("7d").unwrap(), Duration::from_secs(604_800));
        for bad in ["", "h", "10", "10y", "0h", "-1h", "99999999999999999999d"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn from_key_files() {
        let dir = dir_with_keys(&["ci", "scan"]);
        let files = vec![dir.path().join("ci.pub"), dir.path().join("scan.pub")];
        let policy = Policy::from_keys(&files, None, &BTreeMap::new()).unwrap();
        let names: Vec<_> = policy
            .requirements
            .iter()
            .map(|r| r.name.as_str())
            .collect();
        assert_eq!(names, ["ci", "scan"]);
        let att = Policy::from_keys(&files[..1], Some("cyclonedx"), &BTreeMap::new()).unwrap();
        assert!(matches!(
            &att.requirements[0].what,
            Evidence::Attestation { predicate_type, .. } if predicate_type == "https://cyclonedx.org/bom"
        ));
        assert!(Policy::from_keys(&[], None, &BTreeMap::new()).is_err());
    }
}
