//! Predicates Bulwark writes, and the time an attestation speaks for.

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Where each predicate type keeps the moment it describes, as JSON pointers, tried in
/// order: cosign's vuln (`metadata.scanFinishedOn`) and custom (`timestamp`) predicates,
/// CycloneDX (`metadata.timestamp`), SPDX (`creationInfo.created`), SLSA provenance v1
/// (`runDetails.metadata.finishedOn`) and v0.2 (`metadata.buildFinishedOn`).
const TIME_POINTERS: &[&str] = &[
    "/metadata/scanFinishedOn",
    "/timestamp",
    "/metadata/timestamp",
    "/creationInfo/created",
    "/runDetails/metadata/finishedOn",
    "/metadata/buildFinishedOn",
    "/runDetails/metadata/startedOn",
    "/metadata/buildStartedOn",
];

/// The time a predicate speaks for, if it names one.
pub fn predicate_time(predicate: &Value) -> Option<OffsetDateTime> {
    TIME_POINTERS
        .iter()
        .filter_map(|p| predicate.pointer(p).and_then(Value::as_str))
        .find_map(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
}

/// RFC 3339 with seconds, UTC.
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// The scanner that produced a vulnerability report.
#[derive(Debug, Clone)]
pub struct Scanner {
    pub uri: String,
    pub version: String,
    pub db_uri: String,
    pub db_version: String,
}

/// cosign's vulnerability predicate (`https://cosign.sigstore.dev/attestation/vuln/v1`)
/// around a scanner's own report.
pub fn vuln_predicate(
    scanner: &Scanner,
    result: Value,
    started: OffsetDateTime,
    finished: OffsetDateTime,
) -> Value {
    json!({
        "invocation": { "parameters": null, "uri": "", "event_id": "", "builder.id": "" },
        "scanner": {
            "uri": scanner.uri,
            "version": scanner.version,
            "db": { "uri": scanner.db_uri, "version": scanner.db_version },
            "result": result,
        },
        "metadata": {
            "scanStartedOn": rfc3339(started),
            "scanFinishedOn": rfc3339(finished),
        },
    })
}

/// cosign's custom predicate: the file as text under `data`, and when it was attested.
pub fn custom_predicate(data: &str, now: OffsetDateTime) -> Value {
    json!({ "data": data, "timestamp": rfc3339(now) })
}

/// The predicate for `--type`: custom predicates wrap the file's text; every other type
/// must be a JSON document and is used as is.
pub fn predicate_from_file(
    predicate_type: &str,
    bytes: &[u8],
    now: OffsetDateTime,
) -> Result<Value, String> {
    if predicate_type == CUSTOM {
        let text = std::str::from_utf8(bytes)
            .map_err(|_| "a custom predicate must be UTF-8 text".to_string())?;
        return Ok(custom_predicate(text, now));
    }
    serde_json::from_slice(bytes).map_err(|e| format!("predicate is not valid JSON: {e}"))
}

/// cosign's custom predicate type.
pub const CUSTOM: &str = "https://cosign.sigstore.dev/attestation/v1";

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use time::macros::datetime;

    #[test]
    fn finds_the_time_of_each_predicate_kind() {
        let t = "2026-11-20T10:00:00Z";
        let cases = [
            json!({"metadata": {"scanStartedOn": "2026-11-20T09:00:00Z", "scanFinishedOn": t}}),
            json!({"data": "x", "timestamp": t}),
            json!({"bomFormat": "CycloneDX", "metadata": {"timestamp": t}}),
            json!({"creationInfo": {"created": t}}),
            json!({"runDetails": {"metadata": {"finishedOn": t}}}),
            json!({"metadata": {"buildFinishedOn": t}}),
        ];
        for case in cases {
            assert_eq!(
                predicate_time(&case),
                Some(datetime!(2026-11-20 10:00:00 UTC)),
                "{case}"
            );
        }
        assert_eq!(predicate_time(&json!({"timestamp": "yesterday"})), None);
        assert_eq!(predicate_time(&json!([])), None);
    }

    #[test]
    fn builders_carry_their_times() {
        let now = datetime!(2026-11-23 12:00:00.5 UTC);
        let scanner = Scanner {
            uri: "u".into(),
            version: "1".into(),
            db_uri: "d".into(),
            db_version: "v".into(),
        };
        let v = vuln_predicate(&scanner, json!({"matches": []}), now, now);
        assert_eq!(v["metadata"]["scanFinishedOn"], "2026-11-23T12:00:00Z");
        assert_eq!(predicate_time(&v), Some(datetime!(2026-11-23 12:00:00 UTC)));
        let c = predicate_from_file(CUSTOM, b"hello", now).unwrap();
        assert_eq!(c["data"], "hello");
        assert!(predicate_from_file("https://cyclonedx.org/bom", b"{", now).is_err());
        assert!(predicate_from_file(CUSTOM, &[0xff], now).is_err());
    }
}
