//! The storage contract of the web dashboard: user accounts, their login
//! sessions, and the two summaries its pages need (score trends of a page
//! of leads, lead counts per matrix cell and stage).

use crate::error::StoreError;
use crate::rows::HistoryRow;
use async_trait::async_trait;

/// A dashboard user.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct UserRow {
    /// User id.
    pub id: i64,
    /// Login name (lower-case email).
    pub email: String,
    /// The argon2 hash of the password, in PHC string form.
    pub password_hash: String,
    /// `admin`, `marketing` or `sales`.
    pub role: String,
    /// Created at (ms).
    pub created_at: i64,
}

/// A login session. Only the SHA-256 of the cookie's token is stored, so a
/// copy of the database does not log anyone in.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct SessionRow {
    /// SHA-256 of the session token, hex.
    pub token_hash: String,
    /// Whose session.
    pub user_id: i64,
    /// The token every form of this session carries.
    pub csrf: String,
    /// Started at (ms).
    pub created_at: i64,
    /// Ends at (ms).
    pub expires_at: i64,
}

/// Leads per matrix cell and stage under one model version.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CellStageCount {
    /// Matrix cell.
    pub cell: String,
    /// Stage.
    pub stage: String,
    /// Leads.
    pub leads: i64,
}

/// Users, sessions and the dashboard's summaries.
#[async_trait]
pub trait DashboardStore: Send + Sync {
    /// Creates a user; `None` when the email is taken.
    async fn insert_user(
        &self,
        email: &str,
        password_hash: &str,
        role: &str,
        at: i64,
    ) -> Result<Option<i64>, StoreError>;
    /// The user with this email.
    async fn user_by_email(&self, email: &str) -> Result<Option<UserRow>, StoreError>;
    /// Every user, by email.
    async fn users(&self) -> Result<Vec<UserRow>, StoreError>;
    /// Changes a user's role; false if there is no such user.
    async fn set_user_role(&self, id: i64, role: &str) -> Result<bool, StoreError>;
    /// Changes a user's password hash and ends their sessions; false if
    /// there is no such user.
    async fn set_user_password(&self, id: i64, password_hash: &str) -> Result<bool, StoreError>;
    /// Deletes a user and their sessions; false if there was none.
    async fn delete_user(&self, id: i64) -> Result<bool, StoreError>;

    /// Stores a new session.
    async fn insert_session(&self, row: &SessionRow) -> Result<(), StoreError>;
    /// The unexpired session with this token hash, with its user.
    async fn session(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<(SessionRow, UserRow)>, StoreError>;
    /// Ends a session (logout), and every session that expired before `now`.
    async fn delete_session(&self, token_hash: &str, now: i64) -> Result<(), StoreError>;

    /// The history of these leads, per lead oldest first, at most the
    /// latest `per_lead` entries of each.
    async fn recent_history(
        &self,
        lead_ids: &[String],
        per_lead: i64,
    ) -> Result<Vec<HistoryRow>, StoreError>;
    /// Leads per cell and stage under a version.
    async fn cell_stage_counts(&self, version: i64) -> Result<Vec<CellStageCount>, StoreError>;
}

macro_rules! impl_sql_dashboard {
    ($store:ident, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::dashboard::DashboardStore for $store {
            async fn insert_user(
                &self,
                email: &str,
                password_hash: &str,
                role: &str,
                at: i64,
            ) -> Result<Option<i64>, $crate::StoreError> {
                let row: Option<(i64,)> = sqlx::query_as(
                    "INSERT INTO users (email, password_hash, role, created_at) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (email) DO NOTHING RETURNING id",
                )
                .bind(email)
                .bind(password_hash)
                .bind(role)
                .bind(at)
                .fetch_optional(&self.write_pool)
                .await?;
                Ok(row.map(|r| r.0))
            }

            async fn user_by_email(
                &self,
                email: &str,
            ) -> Result<Option<$crate::dashboard::UserRow>, $crate::StoreError> {
                Ok(sqlx::query_as("SELECT * FROM users WHERE email = $1")
                    .bind(email)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn users(&self) -> Result<Vec<$crate::dashboard::UserRow>, $crate::StoreError> {
                Ok(sqlx::query_as("SELECT * FROM users ORDER BY email")
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn set_user_role(&self, id: i64, role: &str) -> Result<bool, $crate::StoreError> {
                let done = sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
                    .bind(role)
                    .bind(id)
                    .execute(&self.write_pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn set_user_password(
                &self,
                id: i64,
                password_hash: &str,
            ) -> Result<bool, $crate::StoreError> {
                let mut tx = self.write_pool.begin().await?;
                let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                    .bind(password_hash)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(done.rows_affected() == 1)
            }

            async fn delete_user(&self, id: i64) -> Result<bool, $crate::StoreError> {
                let mut tx = self.write_pool.begin().await?;
                sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                let done = sqlx::query("DELETE FROM users WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(done.rows_affected() == 1)
            }

            async fn insert_session(
                &self,
                r: &$crate::dashboard::SessionRow,
            ) -> Result<(), $crate::StoreError> {
                sqlx::query(
                    "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&r.token_hash)
                .bind(r.user_id)
                .bind(&r.csrf)
                .bind(r.created_at)
                .bind(r.expires_at)
                .execute(&self.write_pool)
                .await?;
                Ok(())
            }

            async fn session(
                &self,
                token_hash: &str,
                now: i64,
            ) -> Result<
                Option<($crate::dashboard::SessionRow, $crate::dashboard::UserRow)>,
                $crate::StoreError,
            > {
                let session: Option<$crate::dashboard::SessionRow> = sqlx::query_as(
                    "SELECT * FROM sessions WHERE token_hash = $1 AND expires_at > $2",
                )
                .bind(token_hash)
                .bind(now)
                .fetch_optional(&self.pool)
                .await?;
                let Some(session) = session else {
                    return Ok(None);
                };
                let user: Option<$crate::dashboard::UserRow> =
                    sqlx::query_as("SELECT * FROM users WHERE id = $1")
                        .bind(session.user_id)
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(user.map(|u| (session, u)))
            }

            async fn delete_session(
                &self,
                token_hash: &str,
                now: i64,
            ) -> Result<(), $crate::StoreError> {
                sqlx::query("DELETE FROM sessions WHERE token_hash = $1 OR expires_at <= $2")
                    .bind(token_hash)
                    .bind(now)
                    .execute(&self.write_pool)
                    .await?;
                Ok(())
            }

            async fn recent_history(
                &self,
                lead_ids: &[String],
                per_lead: i64,
            ) -> Result<Vec<$crate::HistoryRow>, $crate::StoreError> {
                if lead_ids.is_empty() {
                    return Ok(Vec::new());
                }
                // One indexed range read per lead (score_history_lead),
                // newest first, cut at `per_lead`; a window over the whole
                // table would sort every row of these leads.
                let mut q = sqlx::QueryBuilder::<$db>::new("SELECT * FROM (");
                for (i, id) in lead_ids.iter().enumerate() {
                    if i > 0 {
                        q.push(" UNION ALL ");
                    }
                    q.push(
                        "SELECT * FROM (SELECT lead_id, model_version, at, total, cell, stage, \
                         owner, cause, id FROM score_history WHERE lead_id = ",
                    );
                    q.push_bind(id.clone());
                    q.push(" ORDER BY at DESC, id DESC LIMIT ");
                    q.push_bind(per_lead);
                    q.push(") h");
                    q.push(i.to_string());
                }
                q.push(") r ORDER BY lead_id, at, id");
                Ok(q.build_query_as().fetch_all(&self.pool).await?)
            }

            async fn cell_stage_counts(
                &self,
                version: i64,
            ) -> Result<Vec<$crate::dashboard::CellStageCount>, $crate::StoreError> {
                self.listing
                    .read(self.build_listing(), |board| board.counts(version))
                    .await
            }
        }
    };
}

pub(crate) use impl_sql_dashboard;
