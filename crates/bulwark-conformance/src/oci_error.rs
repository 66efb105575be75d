//! The error body of the specification: `{"errors":[{"code":..,"message":..,"detail":..}]}`
//! with `code` from a fixed list.

/// Every code the specification defines.
pub(crate) const ERROR_CODES: [&str; 14] = [
    "BLOB_UNKNOWN",
    "BLOB_UPLOAD_INVALID",
    "BLOB_UPLOAD_UNKNOWN",
    "DIGEST_INVALID",
    "MANIFEST_BLOB_UNKNOWN",
    "MANIFEST_INVALID",
    "MANIFEST_UNKNOWN",
    "NAME_INVALID",
    "NAME_UNKNOWN",
    "SIZE_INVALID",
    "UNAUTHORIZED",
    "DENIED",
    "UNSUPPORTED",
    "TOOMANYREQUESTS",
];

/// The codes of an error body, or what is wrong with it.
pub(crate) fn error_codes(body: &[u8]) -> Result<Vec<String>, String> {
    let json: serde_json::Value = serde_json::from_slice(body).map_err(|_| {
        let text = String::from_utf8_lossy(body);
        format!(
            "error body is not JSON: {:?}",
            text.chars().take(120).collect::<String>()
        )
    })?;
    let errors = json
        .get("errors")
        .and_then(|e| e.as_array())
        .filter(|e| !e.is_empty())
        .ok_or("error body has no non-empty `errors` array")?;
    let mut codes = Vec::new();
    for error in errors {
        let code = error
            .get("code")
            .and_then(|c| c.as_str())
            .ok_or("an entry of `errors` has no string `code`")?;
        if !ERROR_CODES.contains(&code) {
            return Err(format!(
                "error code {code:?} is not one the specification defines"
            ));
        }
        if error.get("message").is_some_and(|m| !m.is_string()) {
            return Err(format!("`message` of {code} is not a string"));
        }
        codes.push(code.to_owned());
    }
    Ok(codes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_spec_codes() {
        let body =
            br#"{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown","detail":{"d":1}}]}"#;
        assert_eq!(error_codes(body).unwrap(), ["BLOB_UNKNOWN"]);
    }

    #[test]
    fn rejects_bodies_outside_the_format() {
        assert!(error_codes(b"not found").unwrap_err().contains("not JSON"));
        assert!(error_codes(br#"{"errors":[]}"#).is_err());
        assert!(
            error_codes(br#"{"errors":[{"code":"NOT_FOUND"}]}"#)
                .unwrap_err()
                .contains("NOT_FOUND")
        );
        assert!(error_codes(br#"{"errors":[{"message":"x"}]}"#).is_err());
    }
}
