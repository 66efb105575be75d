//! The JWT payload of a Docker registry bearer token and what `issue` hands back.

use serde::{Deserialize, Serialize};

use crate::scope::Scope;

/// One granted resource: `{"type": "repository", "name": "dev/app", "actions": ["pull"]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Access {
    /// Resource type (`repository`, `registry`).
    #[serde(rename = "type")]
    pub kind: String,
    /// Resource name.
    pub name: String,
    /// Granted actions; `*` grants every action on the resource.
    pub actions: Vec<String>,
}

impl From<Scope> for Access {
    fn from(scope: Scope) -> Self {
        Self {
            kind: scope.kind,
            name: scope.name,
            actions: scope.actions,
        }
    }
}

/// The verified claims of a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Issuer.
    pub iss: String,
    /// Subject: the user or robot name, `""` for anonymous.
    pub sub: String,
    /// Audience: the registry service name.
    pub aud: String,
    /// Expiry, Unix seconds.
    pub exp: u64,
    /// Not valid before, Unix seconds.
    pub nbf: u64,
    /// Issued at, Unix seconds.
    pub iat: u64,
    /// Unique token id.
    pub jti: String,
    /// What the token grants.
    #[serde(default)]
    pub access: Vec<Access>,
}

impl Claims {
    /// Whether the token grants `action` on `kind:name` (exact match on type and
    /// name; a granted `*` action covers every action).
    pub fn allows(&self, kind: &str, name: &str, action: &str) -> bool {
        self.access.iter().any(|a| {
            a.kind == kind && a.name == name && a.actions.iter().any(|g| g == action || g == "*")
        })
    }
}

/// A freshly signed token, shaped for the Docker token endpoint's JSON response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssuedToken {
    /// The compact JWS.
    pub token: String,
    /// Lifetime in seconds.
    pub expires_in: u64,
    /// Issue time, RFC 3339 (UTC).
    pub issued_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(access: Vec<Access>) -> Claims {
        Claims {
            iss: "i".into(),
            sub: "s".into(),
            aud: "a".into(),
            exp: 0,
            nbf: 0,
            iat: 0,
            jti: "j".into(),
            access,
        }
    }

    #[test]
    fn allows_matches_type_name_and_action() {
        let c = claims(vec![
            crate::scope::parse("repository:dev/app:pull,push")
                .unwrap()
                .into(),
            crate::scope::parse("registry:catalog:*").unwrap().into(),
        ]);
        assert!(c.allows("repository", "dev/app", "pull"));
        assert!(c.allows("repository", "dev/app", "push"));
        assert!(!c.allows("repository", "dev/app", "delete"));
        assert!(!c.allows("repository", "dev/ap", "pull"));
        assert!(!c.allows("repository", "dev/app/x", "pull"));
        assert!(!c.allows("registry", "dev/app", "pull"));
        assert!(c.allows("registry", "catalog", "*"));
        assert!(!c.allows("repository", "catalog", "*"));
        assert!(!claims(vec![]).allows("repository", "dev/app", "pull"));
    }

    #[test]
    fn access_serializes_type_field() {
        let a: Access = crate::scope::parse("repository:x:pull").unwrap().into();
        assert_eq!(
            serde_json::to_value(&a).unwrap(),
            serde_json::json!({"type": "repository", "name": "x", "actions": ["pull"]})
        );
    }
}
