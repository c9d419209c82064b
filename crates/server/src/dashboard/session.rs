//! Who is looking at the dashboard: user roles, argon2 password hashes,
//! session cookies (only the token's SHA-256 is stored), the CSRF token
//! every form carries, and a brake on password guessing.

use crate::app::AppState;
use crate::clock::now_ms;
use crate::dashboard::i18n::{LANG_COOKIE, Lang};
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use leadscore_store::{SessionRow, UserRow};
use rustc_hash::FxHashMap;
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The session cookie.
pub const SESSION_COOKIE: &str = "ls_session";
/// How long a session lasts.
pub const SESSION_MS: i64 = 12 * 3600 * 1000;
/// Failed logins of one email allowed within [`LOCK_FOR`].
const MAX_FAILURES: u32 = 5;
/// How long too many failures lock an email out.
const LOCK_FOR: Duration = Duration::from_secs(15 * 60);
/// Shortest password accepted for a new account.
pub const MIN_PASSWORD: usize = 10;

/// What a dashboard user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserRole {
    /// Everything, including users.
    Admin,
    /// Everything but users: models, funnel, deliveries, leads.
    Marketing,
    /// Reads everything; updates leads and records feedback; models are
    /// read-only.
    Sales,
}

impl UserRole {
    /// The role's stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            UserRole::Admin => "admin",
            UserRole::Marketing => "marketing",
            UserRole::Sales => "sales",
        }
    }

    /// Reads a role name.
    pub fn parse(s: &str) -> Option<UserRole> {
        match s {
            "admin" => Some(UserRole::Admin),
            "marketing" => Some(UserRole::Marketing),
            "sales" => Some(UserRole::Sales),
            _ => None,
        }
    }

    /// Every role, for forms.
    pub const ALL: [UserRole; 3] = [UserRole::Admin, UserRole::Marketing, UserRole::Sales];

    /// Upload, preview, activate models; retry deliveries.
    pub fn manages_models(self) -> bool {
        matches!(self, UserRole::Admin | UserRole::Marketing)
    }

    /// Add, change and delete users.
    pub fn manages_users(self) -> bool {
        self == UserRole::Admin
    }
}

/// Hashes a password with argon2id and a random salt (PHC string).
pub fn hash_password(password: &str) -> Result<String, String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| format!("cannot hash the password: {e}"))
}

/// A hash of a password nobody has, checked when the email is unknown so
/// that a wrong email takes as long as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("not a password of anyone").unwrap_or_default())
}

/// Whether `password` matches the stored hash.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// SHA-256 of a session token, hex: what the store keeps.
fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Compares two secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Counts failed logins per email, to slow down password guessing.
#[derive(Debug, Clone, Default)]
pub struct LoginBrake {
    failures: Arc<Mutex<FxHashMap<String, (u32, Instant)>>>,
}

impl LoginBrake {
    fn lock(&self) -> std::sync::MutexGuard<'_, FxHashMap<String, (u32, Instant)>> {
        self.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether `email` is locked out for now.
    pub fn locked(&self, email: &str) -> bool {
        self.lock()
            .get(email)
            .is_some_and(|(n, since)| *n >= MAX_FAILURES && since.elapsed() < LOCK_FOR)
    }

    /// Records a failure.
    pub fn failed(&self, email: &str) {
        let mut m = self.lock();
        m.retain(|_, (_, since)| since.elapsed() < LOCK_FOR);
        let e = m.entry(email.to_owned()).or_insert((0, Instant::now()));
        e.0 += 1;
    }

    /// Forgets failures after a success.
    pub fn succeeded(&self, email: &str) {
        self.lock().remove(email);
    }
}

/// How logging in failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginError {
    /// Wrong email or password.
    Wrong,
    /// Too many failures recently.
    Locked,
}

/// Checks an email and password; on success starts a session and returns
/// the cookie's token.
pub async fn log_in(state: &AppState, email: &str, password: &str) -> Result<String, LoginError> {
    let email = email.trim().to_lowercase();
    let brake = &state.dashboard.brake;
    if brake.locked(&email) {
        return Err(LoginError::Locked);
    }
    let user = state.store.user_by_email(&email).await.ok().flatten();
    let hash = user
        .as_ref()
        .map_or_else(|| decoy_hash().to_owned(), |u| u.password_hash.clone());
    let password = password.to_owned();
    // Argon2 takes tens of milliseconds of CPU on purpose; keep it off the
    // async threads.
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    let Some(user) = user.filter(|_| matches) else {
        brake.failed(&email);
        return Err(LoginError::Wrong);
    };
    brake.succeeded(&email);
    let token = hex::encode(rand::random::<[u8; 32]>());
    let now = now_ms();
    let row = SessionRow {
        token_hash: token_hash(&token),
        user_id: user.id,
        csrf: hex::encode(rand::random::<[u8; 16]>()),
        created_at: now,
        expires_at: now + SESSION_MS,
    };
    state.store.insert_session(&row).await.map_err(|e| {
        tracing::error!(error = %e, "Storing a session failed");
        LoginError::Wrong
    })?;
    Ok(token)
}

/// Ends the session a request carries.
pub async fn log_out(state: &AppState, headers: &HeaderMap) {
    if let Some(token) = cookie(headers, SESSION_COOKIE)
        && let Err(e) = state
            .store
            .delete_session(&token_hash(&token), now_ms())
            .await
    {
        tracing::error!(error = %e, "Ending a session failed");
    }
}

/// The `Set-Cookie` value of a session.
pub fn session_cookie(token: &str, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        SESSION_MS / 1000,
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn cleared_cookie(secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}

/// A cookie's value.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// The language a request asks for.
pub fn lang_of(headers: &HeaderMap) -> Lang {
    Lang::choose(
        cookie(headers, LANG_COOKIE).as_deref(),
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

/// A logged-in user, with the request's language and path; a request
/// without a live session is sent to the login page.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// The user.
    pub user: UserRow,
    /// Their role.
    pub role: UserRole,
    /// The session's CSRF token.
    pub csrf: String,
    /// The language to answer in.
    pub lang: Lang,
    /// The path and query asked for (to come back to after a language switch).
    pub path: String,
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Viewer, Response> {
        let path = parts
            .uri
            .path_and_query()
            .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
        let to_login = || {
            let next = crate::dashboard::url_encode(&path);
            Redirect::to(&format!("/login?next={next}")).into_response()
        };
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(to_login());
        };
        let found = state
            .store
            .session(&token_hash(&token), now_ms())
            .await
            .map_err(|e| crate::error::ApiError::from(e).into_response())?;
        let Some((session, user)) = found else {
            return Err(to_login());
        };
        let Some(role) = UserRole::parse(&user.role) else {
            return Err(to_login());
        };
        Ok(Viewer {
            role,
            csrf: session.csrf,
            lang: lang_of(&parts.headers),
            path,
            user,
        })
    }
}
