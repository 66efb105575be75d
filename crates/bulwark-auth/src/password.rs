//! Human passwords: argon2id, stored as PHC strings.
//!
//! The PHC string carries its own salt and parameters, so changing [`M_COST_KIB`] and
//! friends later still verifies existing hashes.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::AuthError;

/// Memory cost in KiB (19 MiB, the OWASP minimum for argon2id).
pub const M_COST_KIB: u32 = 19_456;
/// Number of passes.
pub const T_COST: u32 = 2;
/// Degree of parallelism.
pub const P_COST: u32 = 1;

/// Upper bound on the memory a *stored* hash may ask for when verifying (256 MiB).
/// A PHC string from a tampered database must not be able to exhaust the server.
const MAX_VERIFY_M_COST_KIB: u32 = 256 * 1024;

fn hasher() -> Result<Argon2<'static>, AuthError> {
    let params =
        Params::new(M_COST_KIB, T_COST, P_COST, None).map_err(|e| AuthError::PasswordHash {
            reason: e.to_string(),
        })?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes `password` with argon2id and a fresh random salt; returns the PHC string
/// (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`).
pub fn hash(password: &str) -> Result<String, AuthError> {
    let hash =
        hasher()?
            .hash_password(password.as_bytes())
            .map_err(|e| AuthError::PasswordHash {
                reason: e.to_string(),
            })?;
    Ok(hash.to_string())
}

/// Checks `password` against a stored PHC string in constant time.
///
/// Returns `false` for a wrong password and for anything malformed: an unparsable
/// string, an unknown algorithm, or parameters above a sane memory bound.
pub fn verify(password: &str, phc: &str) -> bool {
    let Ok(parsed) = argon2::password_hash::phc::PasswordHash::new(phc) else {
        return false;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    if params.m_cost() > MAX_VERIFY_M_COST_KIB {
        return false;
    }
    // The verifier reads algorithm, version and parameters from the PHC string and
    // compares the outputs in constant time.
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::{hash, verify};

    #[test]
    fn round_trip() {
        let phc = hash("correct horse battery staple").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify("correct horse battery staple", &phc));
        assert!(!verify("correct horse battery stapl", &phc));
        assert!(!verify("", &phc));
    }

    #[test]
    fn verifies_hashes_made_with_other_parameters() {
        use argon2::password_hash::PasswordHasher as _;
        let params = argon2::Params::new(64, 1, 1, None).unwrap();
        let argon =
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let phc = argon.hash_password(b"pw").unwrap().to_string();
        assert!(phc.contains("m=64,t=1,p=1"), "{phc}");
        assert!(verify("pw", &phc));
        assert!(!verify("px", &phc));
    }

    #[test]
    fn salts_differ() {
        assert_ne!(hash("same").unwrap(), hash("same").unwrap());
    }

    #[test]
    fn empty_and_unicode_passwords() {
        let phc = hash("").unwrap();
        assert!(verify("", &phc));
        let phc = hash("pässwörd-🔑").unwrap();
        assert!(verify("pässwörd-🔑", &phc));
        assert!(!verify("passwörd-🔑", &phc));
    }

    #[test]
    fn malformed_hashes_are_false_not_panics() {
        let good = hash("pw").unwrap();
        let cases = [
            "",
            "$",
            "not a hash",
            "$argon2id$",
            "$argon2id$v=19$m=19456,t=2,p=1$",
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$",
            "$argon2id$v=19$m=0,t=0,p=0$c2FsdHNhbHQ$aGFzaGhhc2g",
            // Absurd memory cost: refused before any allocation.
            "$argon2id$v=19$m=4294967295,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g",
            "$bcrypt$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g",
            // A sha256 hex digest is not a PHC string.
            "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8",
        ];
        for case in cases {
            assert!(!verify("pw", case), "{case:?}");
        }
        // Truncations of a valid hash, at every length.
        for end in 0..good.len() - 1 {
            assert!(!verify("pw", &good[..end]), "{}", &good[..end]);
        }
    }
}
