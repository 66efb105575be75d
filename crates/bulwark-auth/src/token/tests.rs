use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::*;

pub(super) const ISS: &str = "bulwark-token-service";
pub(super) const AUD: &str = "registry.example.test";
pub(super) const TTL: Duration = Duration::from_secs(300);

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

pub(super) fn service_at(path: &Path, iss: &str, aud: &str) -> TokenService {
    TokenService::load_or_create(path, iss, aud, TTL).unwrap()
}

fn service(dir: &tempfile::TempDir) -> TokenService {
    service_at(&dir.path().join("token.pem"), ISS, AUD)
}

pub(super) fn pull(name: &str) -> Vec<Access> {
    vec![
        crate::scope::parse(&format!("repository:{name}:pull"))
            .unwrap()
            .into(),
    ]
}

/// Splits a compact JWS into its three segments.
fn parts(token: &str) -> [String; 3] {
    let v: Vec<&str> = token.split('.').collect();
    [v[0].into(), v[1].into(), v[2].into()]
}

fn b64_json(v: &serde_json::Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
}

#[test]
fn issue_then_verify_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let svc = service(&dir);
    let issued = svc.issue("alice", pull("dev/app")).unwrap();
    assert_eq!(issued.expires_in, 300);
    time::OffsetDateTime::parse(
        &issued.issued_at,
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();

    let claims = svc.verify(&issued.token).unwrap();
    assert_eq!(
        (
            claims.iss.as_str(),
            claims.aud.as_str(),
            claims.sub.as_str()
        ),
        (ISS, AUD, "alice")
    );
    assert_eq!(claims.exp, claims.iat + 300);
    assert_eq!(claims.nbf, claims.iat);
    assert!(claims.iat.abs_diff(now()) < 5);
    assert!(claims.allows("repository", "dev/app", "pull"));
    assert!(!claims.allows("repository", "dev/app", "push"));
    assert_ne!(
        claims.jti,
        svc.verify(&svc.issue("alice", vec![]).unwrap().token)
            .unwrap()
            .jti
    );

    let header = jsonwebtoken::decode_header(&issued.token).unwrap();
    assert_eq!(header.alg, jsonwebtoken::Algorithm::ES256);
    assert_eq!(header.kid.as_deref(), Some(svc.kid()));
}

#[test]
fn jwks_publishes_the_verifying_key() {
    let dir = tempfile::tempdir().unwrap();
    let svc = service(&dir);
    let jwks = svc.jwks();
    let key = &jwks["keys"][0];
    assert_eq!(
        (key["kty"].as_str(), key["crv"].as_str()),
        (Some("EC"), Some("P-256"))
    );
    assert_eq!(key["kid"].as_str(), Some(svc.kid()));
    assert_eq!(key["x"].as_str().unwrap().len(), 43);
    assert_eq!(key["y"].as_str().unwrap().len(), 43);
    // An independent verifier that only has the JWK accepts our token.
    let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(key.clone()).unwrap();
    let decoding = jsonwebtoken::DecodingKey::from_jwk(&jwk).unwrap();
    let token = svc.issue("alice", vec![]).unwrap().token;
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
    validation.set_audience(&[AUD]);
    jsonwebtoken::decode::<Claims>(&token, &decoding, &validation).unwrap();
}

#[test]
fn time_checks() {
    let dir = tempfile::tempdir().unwrap();
    let svc = service(&dir);
    let expired = svc.issue_at("alice", vec![], now() - 3600).unwrap().token;
    assert_eq!(svc.verify(&expired), Err(TokenError::Expired));
    let future = svc.issue_at("alice", vec![], now() + 3600).unwrap().token;
    assert_eq!(svc.verify(&future), Err(TokenError::NotYetValid));
    // Expired 10 s ago / valid from 10 s ahead: inside the 30 s leeway.
    let recent = svc.issue_at("alice", vec![], now() - 310).unwrap().token;
    assert!(svc.verify(&recent).is_ok());
    let soon = svc.issue_at("alice", vec![], now() + 10).unwrap().token;
    assert!(svc.verify(&soon).is_ok());
}

#[test]
fn other_key_issuer_or_audience_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let svc = service(&dir);
    let other_key = service_at(&dir.path().join("other.pem"), ISS, AUD);
    let token = other_key.issue("alice", vec![]).unwrap().token;
    assert_eq!(svc.verify(&token), Err(TokenError::BadSignature));

    let same_key = dir.path().join("token.pem");
    let wrong_aud = service_at(&same_key, ISS, "other-registry")
        .issue("alice", vec![])
        .unwrap();
    assert_eq!(svc.verify(&wrong_aud.token), Err(TokenError::WrongAudience));
    let wrong_iss = service_at(&same_key, "someone-else", AUD)
        .issue("alice", vec![])
        .unwrap();
    assert_eq!(svc.verify(&wrong_iss.token), Err(TokenError::WrongIssuer));
}

#[test]
fn alg_none_and_hmac_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let svc = service(&dir);
    let [_, payload, signature] = parts(&svc.issue("alice", pull("dev/app")).unwrap().token);
    for alg in [
        "none", "None", "NONE", "HS256", "HS512", "RS256", "ES384", "EdDSA", "es256",
    ] {
        let header = b64_json(&serde_json::json!({"alg": alg, "typ": "JWT", "kid": svc.kid()}));
        for sig in ["", signature.as_str()] {
            let forged = format!("{header}.{payload}.{sig}");
            assert_eq!(
                svc.verify(&forged),
                Err(TokenError::UnsupportedAlgorithm),
                "{alg}"
            );
        }
    }
    // Key confusion: HS256 keyed with the public key the service publishes.
    let secret = serde_json::to_vec(&svc.jwks()).unwrap();
    let claims = svc
        .verify(&svc.issue("alice", vec![]).unwrap().token)
        .unwrap();
    let hs = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(&secret),
    )
    .unwrap();
    assert_eq!(svc.verify(&hs), Err(TokenError::UnsupportedAlgorithm));
}

#[test]
fn tampering_breaks_the_signature() {
    let dir = tempfile::tempdir().unwrap();
    let svc = service(&dir);
    let token = svc.issue("alice", pull("dev/app")).unwrap().token;
    let [header, payload, signature] = parts(&token);

    let mut claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&payload).unwrap()).unwrap();
    claims["access"][0]["actions"] = serde_json::json!(["pull", "push", "delete"]);
    let escalated = format!("{header}.{}.{signature}", b64_json(&claims));
    assert_eq!(svc.verify(&escalated), Err(TokenError::BadSignature));

    let mut other_sub = claims.clone();
    other_sub["sub"] = "root".into();
    let forged = format!("{header}.{}.{signature}", b64_json(&other_sub));
    assert_eq!(svc.verify(&forged), Err(TokenError::BadSignature));

    let new_header = b64_json(&serde_json::json!({"alg": "ES256", "kid": "x"}));
    let reheadered = format!("{new_header}.{payload}.{signature}");
    assert_eq!(svc.verify(&reheadered), Err(TokenError::BadSignature));

    let mut sig = URL_SAFE_NO_PAD.decode(&signature).unwrap();
    sig[10] ^= 1;
    let flipped = format!("{header}.{payload}.{}", URL_SAFE_NO_PAD.encode(sig));
    assert_eq!(svc.verify(&flipped), Err(TokenError::BadSignature));
    let truncated = format!("{header}.{payload}.{}", &signature[..20]);
    assert!(svc.verify(&truncated).is_err());
}

#[test]
fn garbage_tokens_are_malformed_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let svc = service(&dir);
    let es256 = b64_json(&serde_json::json!({"alg": "ES256"}));
    let cases = [
        String::new(),
        ".".into(),
        "..".into(),
        "...".into(),
        "a.b".into(),
        "a.b.c".into(),
        "a.b.c.d".into(),
        "!!!.b.c".into(),
        format!("{}.e30.", URL_SAFE_NO_PAD.encode("not json")),
        format!("{}.e30.", b64_json(&serde_json::json!({"typ": "JWT"}))),
        format!("{}.e30.", b64_json(&serde_json::json!({"alg": 256}))),
        format!("{es256}.!!!.c"),
        format!("{es256}.e30.!!!"),
    ];
    for case in &cases {
        assert!(
            matches!(
                svc.verify(case),
                Err(TokenError::Malformed(_)) | Err(TokenError::BadSignature)
            ),
            "{case}"
        );
    }
    assert!(matches!(svc.verify("a.b"), Err(TokenError::Malformed(_))));
}

#[test]
fn debug_hides_key_material() {
    let dir = tempfile::tempdir().unwrap();
    let svc = service(&dir);
    let debug = format!("{svc:?}");
    assert!(debug.contains(svc.kid()) && debug.contains(AUD), "{debug}");
    assert!(!debug.contains("encoding"), "{debug}");
}

#[test]
fn error_messages_are_precise() {
    assert_eq!(TokenError::Expired.to_string(), "token has expired");
    assert_eq!(
        TokenError::UnsupportedAlgorithm.to_string(),
        "token algorithm is not ES256"
    );
    assert!(TokenError::Malformed("x".into()).to_string().contains("x"));
}
