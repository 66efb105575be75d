//! CVSS base scores computed from vector strings, for feeds that give a vector without its
//! score (OSV `severity[]`, RustSec `cvss`).
//!
//! v3.0 and v3.1 use the v3.1 specification's equations (section 7) and its `Roundup`
//! (Appendix A), which v3.0 scores also satisfy except in floating-point corner cases
//! that the v3.1 `Roundup` was introduced to fix. v2 uses the v2 guide's equations
//! (section 3.2.1). v4 vectors are recognised but not scored: their score comes from a
//! lookup table of macro vectors, and no feed here needs it.

use bulwark_types::Cvss;

/// The CVSS version a vector is written in: `2.0`, `3.0`, `3.1` or `4.0`. Vectors without
/// a `CVSS:` prefix are v2, as the v2 guide writes them.
pub fn version(vector: &str) -> Option<&'static str> {
    let vector = vector.trim();
    match vector.split_once('/').map(|(head, _)| head) {
        Some("CVSS:2.0") => Some("2.0"),
        Some("CVSS:3.0") => Some("3.0"),
        Some("CVSS:3.1") => Some("3.1"),
        Some("CVSS:4.0") => Some("4.0"),
        _ if vector.trim_start_matches('(').starts_with("AV:") => Some("2.0"),
        _ => None,
    }
}

/// The base score of a v2 or v3.x vector; `None` for v4 or a vector that is not valid.
pub fn base_score(vector: &str) -> Option<f32> {
    let score = match version(vector)? {
        "3.0" | "3.1" => v3(&metrics(vector)?)?,
        "2.0" => v2(&metrics(vector)?)?,
        _ => return None,
    };
    Some(score as f32)
}

/// A [`Cvss`] for `vector`: its version and, for v2 and v3.x, the computed base score.
/// `None` when the version is not recognised.
pub fn from_vector(vector: &str) -> Option<Cvss> {
    Some(Cvss {
        version: version(vector)?.to_owned(),
        vector: vector.trim().to_owned(),
        score: base_score(vector),
    })
}

/// The `KEY:VALUE` pairs after the version prefix. A metric given twice makes the vector
/// invalid; metrics other than the base ones (temporal, environmental) are kept but unused.
fn metrics(vector: &str) -> Option<Vec<(&str, &str)>> {
    let body = vector.trim().trim_start_matches('(').trim_end_matches(')');
    let body = match body.split_once('/') {
        Some((head, rest)) if head.starts_with("CVSS:") => rest,
        _ => body,
    };
    let mut out: Vec<(&str, &str)> = Vec::new();
    for part in body.split('/') {
        let (key, value) = part.split_once(':')?;
        if out.iter().any(|(k, _)| *k == key) {
            return None;
        }
        out.push((key, value));
    }
    Some(out)
}

/// The weight of base metric `key`, looked up in `table` (value letter -> weight).
fn weight(metrics: &[(&str, &str)], key: &str, table: &[(&str, f64)]) -> Option<f64> {
    let value = metrics.iter().find(|(k, _)| *k == key)?.1;
    table.iter().find(|(v, _)| *v == value).map(|(_, w)| *w)
}

fn v3(m: &[(&str, &str)]) -> Option<f64> {
    const CIA: &[(&str, f64)] = &[("H", 0.56), ("L", 0.22), ("N", 0.0)];
    let changed = match m.iter().find(|(k, _)| *k == "S")?.1 {
        "C" => true,
        "U" => false,
        _ => return None,
    };
    let av = weight(
        m,
        "AV",
        &[("N", 0.85), ("A", 0.62), ("L", 0.55), ("P", 0.2)],
    )?;
    let ac = weight(m, "AC", &[("L", 0.77), ("H", 0.44)])?;
    let pr = if changed {
        weight(m, "PR", &[("N", 0.85), ("L", 0.68), ("H", 0.5)])?
    } else {
        weight(m, "PR", &[("N", 0.85), ("L", 0.62), ("H", 0.27)])?
    };
    let ui = weight(m, "UI", &[("N", 0.85), ("R", 0.62)])?;
    let (c, i, a) = (
        weight(m, "C", CIA)?,
        weight(m, "I", CIA)?,
        weight(m, "A", CIA)?,
    );
    let iss = 1.0 - (1.0 - c) * (1.0 - i) * (1.0 - a);
    let impact = if changed {
        7.52 * (iss - 0.029) - 3.25 * (iss - 0.02).powi(15)
    } else {
        6.42 * iss
    };
    let exploitability = 8.22 * av * ac * pr * ui;
    Some(if impact <= 0.0 {
        0.0
    } else if changed {
        roundup((1.08 * (impact + exploitability)).min(10.0))
    } else {
        roundup((impact + exploitability).min(10.0))
    })
}

/// CVSS v3.1 `Roundup`: the smallest number with one decimal place that is at least
/// `x`, computed on integers so that `4.000000001` does not become 4.1.
fn roundup(x: f64) -> f64 {
    let scaled = (x * 100_000.0).round() as i64;
    if scaled % 10_000 == 0 {
        scaled as f64 / 100_000.0
    } else {
        (scaled / 10_000 + 1) as f64 / 10.0
    }
}

fn v2(m: &[(&str, &str)]) -> Option<f64> {
    const CIA: &[(&str, f64)] = &[("N", 0.0), ("P", 0.275), ("C", 0.660)];
    let av = weight(m, "AV", &[("L", 0.395), ("A", 0.646), ("N", 1.0)])?;
    let ac = weight(m, "AC", &[("H", 0.35), ("M", 0.61), ("L", 0.71)])?;
    let au = weight(m, "Au", &[("M", 0.45), ("S", 0.56), ("N", 0.704)])?;
    let (c, i, a) = (
        weight(m, "C", CIA)?,
        weight(m, "I", CIA)?,
        weight(m, "A", CIA)?,
    );
    let impact = 10.41 * (1.0 - (1.0 - c) * (1.0 - i) * (1.0 - a));
    let exploitability = 20.0 * av * ac * au;
    let f = if impact == 0.0 { 0.0 } else { 1.176 };
    let score = (0.6 * impact + 0.4 * exploitability - 1.5) * f;
    Some((score * 10.0).round() / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::vulndata;

    fn score(vector: &str) -> Option<f32> {
        base_score(vector)
    }

    #[test]
    fn known_vectors_score_as_published() {
        // Scores as the FIRST calculator and NVD publish them.
        for (vector, expected) in [
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
            ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5),
            ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 5.9),
            ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:N", 6.5),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0),
            ("AV:N/AC:L/Au:N/C:P/I:P/A:P", 7.5),
            ("AV:N/AC:M/Au:N/C:N/I:P/A:N", 4.3),
            ("(AV:N/AC:L/Au:N/C:C/I:C/A:C)", 10.0),
        ] {
            assert_eq!(score(vector), Some(expected), "{vector}");
        }
    }

    #[test]
    fn temporal_metrics_do_not_change_the_base_score() {
        let v = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:R";
        assert_eq!(score(v), Some(9.8));
    }

    #[test]
    fn invalid_vectors_have_no_score() {
        for v in [
            "",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",
            "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:Z/C:H/I:H/A:H",
            "CVSS:9.9/AV:N",
            "garbage",
        ] {
            assert_eq!(score(v), None, "{v:?}");
        }
        let v4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
        assert_eq!(version(v4), Some("4.0"));
        assert_eq!(score(v4), None);
        assert_eq!(from_vector(v4).map(|c| c.version), Some("4.0".to_owned()));
    }

    /// Every v3.1 and v2 vector in a real NVD 1.1 feed sample scores what NVD published.
    #[test]
    fn nvd_feed_scores_match() {
        let path = vulndata("osv.dev-testdata/vulnfeeds/test_data/nvdcve-1.1-test-data.json");
        let feed: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let mut checked = 0;
        for item in feed["CVE_Items"].as_array().unwrap() {
            for (metric, inner) in [("baseMetricV3", "cvssV3"), ("baseMetricV2", "cvssV2")] {
                let Some(cvss) = item["impact"][metric].get(inner) else {
                    continue;
                };
                let vector = cvss["vectorString"].as_str().unwrap();
                let expected = cvss["baseScore"].as_f64().unwrap() as f32;
                assert_eq!(score(vector), Some(expected), "{vector}");
                checked += 1;
            }
        }
        assert_eq!(checked, 360); // 356 v3.1 + 4 v2
    }
}
