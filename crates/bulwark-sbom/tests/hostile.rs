//! `read` never panics, whatever a document's fields hold: every string and number of our
//! own CycloneDX, SPDX and Bulwark JSON output is replaced in turn by hostile values.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use bulwark_sbom::{Format, read, write};
use serde_json::{Value, json};

const HOSTILE: &[&str] = &[
    "",
    "pkg:",
    "pkg:deb",
    "pkg:deb/",
    "pkg:deb/debian/x@1:?arch&distro=-&epoch=99999999999999999999&upstream=@",
    "pkg:rpm/x/y@:?upstream=.src.rpm",
    "pkg:rpm/x/y@1?upstream=-.src.rpm",
    "pkg:npm/%ZZ/x@1",
    "pkg:npm/@/x@1",
    "pkg:golang//@",
    "pkg:maven/a/b/c/d@1#sub/path",
    "pkg:hackage/base@4",
    "sha256:",
    "sha256:zz",
    "LicenseRef-",
    "DocumentRef-a:LicenseRef-b AND (",
    "MIT OR",
    "NOASSERTION",
    "{\"bulwark:location:99999999999999999999:path\": 1}",
    "{\"bulwark:location:0:layer:index\": \"x\", \"bulwark:target:layer:0:diffID\": \"sha256:\"}",
    "\u{0}\u{202e}\u{fffd}",
];

/// Every path to a string or number leaf.
fn leaves(v: &Value, path: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                path.push(json!(k));
                leaves(child, path, out);
                path.pop();
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                path.push(json!(i));
                leaves(child, path, out);
                path.pop();
            }
        }
        Value::String(_) | Value::Number(_) | Value::Bool(_) => out.push(path.clone()),
        Value::Null => {}
    }
}

fn at<'a>(v: &'a mut Value, path: &[Value]) -> &'a mut Value {
    path.iter().fold(v, |v, key| match key {
        Value::String(k) => &mut v[k.as_str()],
        Value::Number(n) => &mut v[n.as_u64().unwrap() as usize],
        _ => unreachable!(),
    })
}

#[test]
fn read_survives_hostile_field_values() {
    // One package per ecosystem keeps the run short without losing any kind of field.
    let mut sbom = common::debian_app();
    let mut seen = std::collections::HashSet::new();
    sbom.packages.retain(|p| seen.insert(p.ecosystem));
    sbom.target.layers.truncate(1);
    let mut reads = 0;
    for format in [Format::CycloneDxJson, Format::SpdxJson, Format::Json] {
        let mut bytes = Vec::new();
        write(&sbom, format, &mut bytes, &common::fixed_options()).unwrap();
        let original: Value = serde_json::from_slice(&bytes).unwrap();
        let mut paths = Vec::new();
        leaves(&original, &mut Vec::new(), &mut paths);
        for path in &paths {
            let replacements = HOSTILE.iter().map(|s| json!(s)).chain([
                json!(-1),
                json!(1.5),
                json!(u64::MAX),
                json!(null),
                json!([]),
                json!({}),
            ]);
            for replacement in replacements {
                let mut doc = original.clone();
                *at(&mut doc, path) = replacement;
                // Ok or Err are both fine; a panic fails the test.
                let _ = read(doc.to_string().as_bytes());
                reads += 1;
            }
        }
    }
    assert!(reads > 1000, "{reads}");
}

#[test]
fn truncated_documents_fail_cleanly() {
    let sbom = common::rocky();
    for format in [Format::CycloneDxJson, Format::SpdxJson, Format::Json] {
        let mut bytes = Vec::new();
        write(&sbom, format, &mut bytes, &common::fixed_options()).unwrap();
        for cut in (0..bytes.len()).step_by(7) {
            assert!(read(&bytes[..cut]).is_err(), "{format} cut at {cut}");
        }
    }
}
