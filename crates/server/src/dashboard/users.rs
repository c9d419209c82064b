//! Creating dashboard users, shared by the users page, the first start
//! (`LEADSCORE_ADMIN_EMAIL` / `LEADSCORE_ADMIN_PASSWORD`) and the
//! `leadscore user add` command.

use crate::clock::now_ms;
use crate::dashboard::session::{MIN_PASSWORD, UserRole, hash_password};
use leadscore_store::{Store, StoreError};

/// Why a user could not be created.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    /// The email is not an email.
    #[error("email: expected an address such as lan@acme.vn, found `{0}`")]
    Email(String),
    /// The password is too short.
    #[error("password: expected at least {MIN_PASSWORD} characters")]
    Password,
    /// The role is unknown.
    #[error("role: expected admin, marketing or sales, found `{0}`")]
    Role(String),
    /// The email already has an account.
    #[error("email: {0} already has an account")]
    Taken(String),
    /// Hashing failed.
    #[error("{0}")]
    Hash(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Checks and creates a user; the email is stored lower-case. Returns the
/// new user's id.
pub async fn add_user(
    store: &dyn Store,
    email: &str,
    password: &str,
    role: &str,
) -> Result<i64, UserError> {
    let email = email.trim().to_lowercase();
    let valid = email.split_once('@').is_some_and(|(user, host)| {
        !user.is_empty() && host.contains('.') && !email.contains(char::is_whitespace)
    });
    if !valid || email.len() > 254 {
        return Err(UserError::Email(email));
    }
    if password.chars().count() < MIN_PASSWORD {
        return Err(UserError::Password);
    }
    let role = UserRole::parse(role.trim()).ok_or_else(|| UserError::Role(role.to_owned()))?;
    let password = password.to_owned();
    // Argon2 is slow on purpose; keep it off the async threads.
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| UserError::Hash(e.to_string()))?
        .map_err(UserError::Hash)?;
    store
        .insert_user(&email, &hash, role.as_str(), now_ms())
        .await?
        .ok_or(UserError::Taken(email))
}

/// Creates the first admin from the configuration when no user exists yet.
pub async fn ensure_first_admin(
    store: &dyn Store,
    admin: Option<&(String, String)>,
) -> Result<(), UserError> {
    if let Some((email, password)) = admin
        && store.users().await?.is_empty()
    {
        add_user(store, email, password, UserRole::Admin.as_str()).await?;
        tracing::info!(%email, "Created the first dashboard admin");
    }
    Ok(())
}
