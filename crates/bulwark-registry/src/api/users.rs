//! `/api/v1/users`: accounts (system administrators) and password changes.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use bulwark_auth::password;
use bulwark_auth::policy::Subject;
use serde::Deserialize;
use serde_json::json;

use crate::access::require_sysadmin;
use crate::error::{ApiError, ApiResult, Code};
use crate::state::AppState;
use crate::store::{NewUser, User};

use super::bad_request;
use super::extract::{Caller, JsonBody};
use super::record::{Mutation, record};

/// Shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longest password accepted, in bytes (argon2 input stays bounded).
const MAX_PASSWORD_BYTES: usize = 1024;
const MAX_USERNAME: usize = 64;

/// `POST /api/v1/users` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    username: String,
    password: String,
    #[serde(default)]
    sysadmin: bool,
}

/// `PUT /api/v1/users/{user}/password` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    password: String,
    /// Required when changing your own password.
    old_password: Option<String>,
}

/// `[a-z0-9]` then up to 63 of `[a-z0-9._-]`: distinct from robot names (`robot$...`)
/// and safe in URLs and logs.
pub fn valid_username(name: &str) -> bool {
    name.len() <= MAX_USERNAME
        && name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && name.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        })
}

fn check_password_rules(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(format!(
            "password is too short: use at least {MIN_PASSWORD_CHARS} characters"
        ));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(format!(
            "password is longer than {MAX_PASSWORD_BYTES} bytes"
        ));
    }
    Ok(())
}

async fn hash(password_text: &str) -> ApiResult<String> {
    let given = password_text.to_string();
    tokio::task::spawn_blocking(move || password::hash(&given))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
}

async fn user_or_404(state: &AppState, name: &str) -> ApiResult<User> {
    state
        .meta
        .user(name)
        .await?
        .ok_or_else(|| ApiError::new(Code::NotFound, format!("user {name} not found")))
}

/// `POST /api/v1/users` (system administrators).
pub async fn create(
    State(state): State<AppState>,
    Caller(who): Caller,
    JsonBody(body): JsonBody<NewAccount>,
) -> ApiResult<(StatusCode, Json<User>)> {
    let result = async {
        require_sysadmin(&who)?;
        if !valid_username(&body.username) {
            return Err(bad_request(format!(
                "invalid user name {:?}: use 1-{MAX_USERNAME} of a-z, 0-9, '.', '_', '-', starting with a letter or digit",
                body.username
            )));
        }
        check_password_rules(&body.password).map_err(bad_request)?;
        let password_hash = hash(&body.password).await?;
        let new = NewUser { name: body.username.clone(), password_hash, sysadmin: body.sysadmin };
        state.meta.create_user(new).await?;
        state.credentials.clear();
        user_or_404(&state, &body.username).await
    }
    .await;
    let detail = json!({"sysadmin": body.sysadmin}).to_string();
    let m = Mutation {
        action: "user-create",
        resource: &body.username,
        project: None,
        detail: Some(detail),
    };
    record(&state, &who, m, &result);
    Ok((StatusCode::CREATED, Json(result?)))
}

/// `GET /api/v1/users` (system administrators).
pub async fn list(
    State(state): State<AppState>,
    Caller(who): Caller,
) -> ApiResult<Json<Vec<User>>> {
    require_sysadmin(&who)?;
    Ok(Json(state.meta.users().await?))
}

/// `DELETE /api/v1/users/{user}` (system administrators; never yourself).
pub async fn delete(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(user): Path<String>,
) -> ApiResult<StatusCode> {
    let result = async {
        require_sysadmin(&who)?;
        if who.name() == user {
            return Err(ApiError::new(
                Code::Conflict,
                "you cannot delete your own account",
            ));
        }
        user_or_404(&state, &user).await?;
        state.meta.delete_user(&user).await?;
        state.credentials.clear();
        Ok(StatusCode::NO_CONTENT)
    }
    .await;
    let m = Mutation {
        action: "user-delete",
        resource: &user,
        project: None,
        detail: None,
    };
    record(&state, &who, m, &result);
    result
}

/// `PUT /api/v1/users/{user}/password`: your own (with `old_password`), or anyone's as a
/// system administrator.
pub async fn set_password(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(user): Path<String>,
    JsonBody(body): JsonBody<PasswordChange>,
) -> ApiResult<StatusCode> {
    let result = async {
        let own = matches!(&who.subject, Subject::User { name, .. } if *name == user);
        if !own {
            require_sysadmin(&who)?;
        }
        let account = user_or_404(&state, &user).await?;
        if own {
            let old = body.old_password.clone().ok_or_else(|| {
                bad_request("old_password is required to change your own password")
            })?;
            let stored = account.password_hash.clone();
            let ok = tokio::task::spawn_blocking(move || password::verify(&old, &stored))
                .await
                .map_err(ApiError::internal)?;
            if !ok {
                return Err(ApiError::new(Code::Denied, "old_password is wrong"));
            }
        }
        check_password_rules(&body.password).map_err(bad_request)?;
        let password_hash = hash(&body.password).await?;
        state.meta.set_password(&user, &password_hash).await?;
        state.credentials.clear();
        Ok(StatusCode::NO_CONTENT)
    }
    .await;
    let m = Mutation {
        action: "password-change",
        resource: &user,
        project: None,
        detail: None,
    };
    record(&state, &who, m, &result);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names() {
        for ok in ["alice", "a", "bob.smith", "ci_bot-2", "0day"] {
            assert!(valid_username(ok), "{ok}");
        }
        for bad in [
            "",
            "Alice",
            "-x",
            ".x",
            "robot$dev+ci",
            "a b",
            "ä",
            &"a".repeat(65),
        ] {
            assert!(!valid_username(bad), "{bad}");
        }
    }
}
