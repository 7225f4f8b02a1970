//! Tokens that limit access, in the shape of Qdrant's RBAC tokens: a JWT signed (HS256) with an
//! admin key, whose `access` claim is `"m"` (everything), `"r"` (every read) or a list of
//! `{"collection": "c", "access": "r" | "rw"}`, with an optional `exp` (seconds since the epoch).
//!
//! Claims Plait cannot enforce (Qdrant's `value_exists`, a per-collection `payload` filter) make
//! the token invalid rather than being ignored: ignoring them would grant more than the issuer
//! meant.

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde::de::IgnoredAny;

use super::grant::Grant;
use super::secret::Secret;
use crate::query::execute::Level;

/// Why a token was refused (the message of the 401).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The token's `exp` has passed.
    #[error("the token has expired")]
    Expired,
    /// Not signed by any admin key, not HS256, or not a JWT at all.
    #[error("the API key or token is not valid")]
    Invalid,
    /// A claim Plait does not enforce.
    #[error("the token's claim {0:?} is not supported by this server")]
    Unsupported(&'static str),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum AccessClaim {
    Global(String),
    Collections(Vec<CollectionClaim>),
}

#[derive(Deserialize)]
struct CollectionClaim {
    collection: String,
    access: String,
    #[serde(default)]
    payload: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct Claims {
    access: AccessClaim,
    #[serde(default)]
    value_exists: Option<IgnoredAny>,
}

fn validation() -> Validation {
    let mut v = Validation::new(Algorithm::HS256);
    // `exp` is optional, as in Qdrant; when present it is checked, without leeway.
    v.required_spec_claims.clear();
    v.validate_exp = true;
    v.leeway = 0;
    v.validate_aud = false;
    v
}

/// The grant of `token` if one of `keys` signed it.
///
/// # Errors
/// [`TokenError`].
pub fn grant_of(token: &str, keys: &[Secret]) -> Result<Grant, TokenError> {
    let validation = validation();
    let mut claims = None;
    for key in keys {
        match jsonwebtoken::decode::<Claims>(
            token,
            &DecodingKey::from_secret(key.bytes()),
            &validation,
        ) {
            Ok(data) => {
                claims = Some(data.claims);
                break;
            }
            Err(e) if matches!(e.kind(), jsonwebtoken::errors::ErrorKind::ExpiredSignature) => {
                return Err(TokenError::Expired);
            }
            Err(_) => {}
        }
    }
    let claims = claims.ok_or(TokenError::Invalid)?;
    if claims.value_exists.is_some() {
        return Err(TokenError::Unsupported("value_exists"));
    }
    match claims.access {
        AccessClaim::Global(level) => match level.as_str() {
            "m" => Ok(Grant::Admin),
            "r" => Ok(Grant::ReadAll),
            _ => Err(TokenError::Invalid),
        },
        AccessClaim::Collections(list) => list
            .into_iter()
            .map(|c| {
                if c.payload.is_some() {
                    return Err(TokenError::Unsupported("payload"));
                }
                let level = match c.access.as_str() {
                    "r" => Level::Read,
                    "rw" => Level::Write,
                    _ => return Err(TokenError::Invalid),
                };
                Ok((c.collection, level))
            })
            .collect::<Result<_, _>>()
            .map(Grant::Collections),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{EncodingKey, Header, encode};
    use serde_json::json;

    fn sign(claims: &serde_json::Value, key: &str) -> String {
        encode(
            &Header::new(Algorithm::HS256),
            claims,
            &EncodingKey::from_secret(key.as_bytes()),
        )
        .expect("signs")
    }

    fn now() -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }

    #[test]
    fn tokens_give_their_access_when_signed_by_an_admin_key() {
        let keys = [Secret::new("other"), Secret::new("admin-key")];
        assert_eq!(
            grant_of(&sign(&json!({"access": "m"}), "admin-key"), &keys),
            Ok(Grant::Admin)
        );
        assert_eq!(
            grant_of(&sign(&json!({"access": "r"}), "admin-key"), &keys),
            Ok(Grant::ReadAll)
        );
        assert_eq!(
            grant_of(
                &sign(
                    &json!({"access": [{"collection": "c", "access": "rw"}], "exp": now() + 60}),
                    "admin-key"
                ),
                &keys
            ),
            Ok(Grant::Collections(vec![("c".into(), Level::Write)]))
        );
    }

    #[test]
    fn forged_expired_and_unenforceable_tokens_are_refused() {
        let keys = [Secret::new("admin-key")];
        assert_eq!(
            grant_of(&sign(&json!({"access": "m"}), "guess"), &keys),
            Err(TokenError::Invalid)
        );
        assert_eq!(
            grant_of(
                &sign(&json!({"access": "m", "exp": now() - 1}), "admin-key"),
                &keys
            ),
            Err(TokenError::Expired)
        );
        assert_eq!(
            grant_of(
                &sign(&json!({"access": "r", "value_exists": {}}), "admin-key"),
                &keys
            ),
            Err(TokenError::Unsupported("value_exists"))
        );
        assert_eq!(
            grant_of(
                &sign(
                    &json!({"access": [{"collection": "c", "access": "r", "payload": {}}]}),
                    "admin-key"
                ),
                &keys
            ),
            Err(TokenError::Unsupported("payload"))
        );
        assert_eq!(
            grant_of(&sign(&json!({"access": "x"}), "admin-key"), &keys),
            Err(TokenError::Invalid)
        );
        assert_eq!(grant_of("not.a.token", &keys), Err(TokenError::Invalid));
        // A token signed with "none" or another algorithm is never accepted.
        let unsigned = format!(
            "{}.{}.",
            "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0", "eyJhY2Nlc3MiOiJtIn0"
        );
        assert_eq!(grant_of(&unsigned, &keys), Err(TokenError::Invalid));
    }
}
