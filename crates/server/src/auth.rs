//! API keys: creation, hashing, and the role check every route makes.
//!
//! Keys are 32 random bytes shown once; only their SHA-256 is stored. A slow
//! password hash would add nothing for keys this random, and every ingest
//! request checks one. Segment clients send the write key as the HTTP Basic
//! user name; other clients may send `Authorization: Bearer <key>`.

use crate::error::ApiError;
use axum::http::HeaderMap;
use base64::Engine;
use leadscore_store::Store;
use rustc_hash::FxHashMap;
use sha2::{Digest, Sha256};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// How long a checked key is trusted before the store is asked again; a
/// key revoked through another server takes at most this long to stop working.
const CACHE_FOR: Duration = Duration::from_secs(30);

/// What a key may do.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Send events (the Segment endpoints) and fetch offers.
    Write,
    /// Read leads, accounts, models and jobs.
    Read,
    /// Everything, including profile edits, erasure, models and keys.
    Admin,
}

impl Role {
    /// The role's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Write => "write",
            Role::Read => "read",
            Role::Admin => "admin",
        }
    }

    /// Reads a role name.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "write" => Some(Role::Write),
            "read" => Some(Role::Read),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    /// Whether this role may act as `needed`: admin may do anything; write
    /// and read keys only their own part.
    pub fn allows(self, needed: Role) -> bool {
        self == Role::Admin || self == needed
    }
}

/// The stored form of a key.
pub fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// A new random key for `role`: `lsk_` and the role's initial, then 64 hex digits.
pub fn new_key(role: Role) -> String {
    let bytes: [u8; 32] = rand::random();
    format!("lsk_{}_{}", &role.as_str()[..1], hex::encode(bytes))
}

/// The key a request carries, if any.
pub fn presented_key(headers: &HeaderMap) -> Option<String> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, rest) = value.split_once(' ')?;
    if scheme.eq_ignore_ascii_case("bearer") {
        return Some(rest.trim().to_owned());
    }
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest.trim())
            .ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let user = text.split_once(':').map_or(text.as_str(), |(u, _)| u);
        return (!user.is_empty()).then(|| user.to_owned());
    }
    None
}

/// Checks keys against the store, remembering recent answers.
#[derive(Clone)]
pub struct KeyChecker {
    store: Arc<dyn Store>,
    cache: Arc<RwLock<FxHashMap<String, (Caller, Instant)>>>,
}

/// Who made a request: the key's role and name (recorded as the author of
/// manual edits and feedback).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The key's role.
    pub role: Role,
    /// The key's name.
    pub name: String,
}

impl KeyChecker {
    /// A checker over `store`.
    pub fn new(store: Arc<dyn Store>) -> KeyChecker {
        KeyChecker {
            store,
            cache: Arc::default(),
        }
    }

    /// The role of the request's key, if it may act as `needed`.
    pub async fn require(&self, headers: &HeaderMap, needed: Role) -> Result<Caller, ApiError> {
        let key = presented_key(headers).ok_or_else(ApiError::unauthorized)?;
        let hash = hash_key(&key);
        let cached = self
            .cache
            .read()
            .ok()
            .and_then(|c| c.get(&hash).cloned())
            .filter(|(_, at)| at.elapsed() < CACHE_FOR)
            .map(|(r, _)| r);
        let caller = match cached {
            Some(r) => r,
            None => {
                let row = self.store.key_by_hash(&hash).await?;
                let caller = row
                    .and_then(|r| {
                        Some(Caller {
                            role: Role::parse(&r.role)?,
                            name: r.name,
                        })
                    })
                    .ok_or_else(ApiError::unauthorized)?;
                if let Ok(mut c) = self.cache.write() {
                    c.insert(hash, (caller.clone(), Instant::now()));
                }
                caller
            }
        };
        if caller.role.allows(needed) {
            Ok(caller)
        } else {
            Err(ApiError::forbidden(needed.as_str()))
        }
    }

    /// Forgets every remembered answer (after a key is revoked).
    pub fn forget(&self) {
        if let Ok(mut c) = self.cache.write() {
            c.clear();
        }
    }
}
