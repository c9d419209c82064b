//! The storage contract of trained predictive models.

use crate::error::StoreError;
use async_trait::async_trait;

/// A trained model as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PredictorRow {
    /// Content version (a hash of the model).
    pub version: String,
    /// `logistic` or `gbt`.
    pub kind: String,
    /// The model, as JSON.
    pub body: String,
    /// Its training report (hold-out metrics), as JSON.
    pub report: String,
    /// When it was stored (ms).
    pub created_at: i64,
}

/// Trained models.
#[async_trait]
pub trait PredictorStore: Send + Sync {
    /// Stores a model; storing the same version again keeps the first.
    async fn put_predictor(&self, row: &PredictorRow) -> Result<(), StoreError>;
    /// Every model, newest first (without bodies).
    async fn predictors(&self) -> Result<Vec<PredictorRow>, StoreError>;
    /// One model.
    async fn predictor(&self, version: &str) -> Result<Option<PredictorRow>, StoreError>;
}

macro_rules! impl_sql_predictors {
    ($store:ident) => {
        #[async_trait::async_trait]
        impl $crate::predictors::PredictorStore for $store {
            async fn put_predictor(
                &self,
                r: &$crate::predictors::PredictorRow,
            ) -> Result<(), $crate::StoreError> {
                sqlx::query(
                    "INSERT INTO predictors (version, kind, body, report, created_at) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (version) DO NOTHING",
                )
                .bind(&r.version)
                .bind(&r.kind)
                .bind(&r.body)
                .bind(&r.report)
                .bind(r.created_at)
                .execute(&self.write_pool)
                .await?;
                Ok(())
            }

            async fn predictors(
                &self,
            ) -> Result<Vec<$crate::predictors::PredictorRow>, $crate::StoreError> {
                Ok(sqlx::query_as(
                    "SELECT version, kind, '' AS body, report, created_at FROM predictors \
                     ORDER BY created_at DESC, version",
                )
                .fetch_all(&self.pool)
                .await?)
            }

            async fn predictor(
                &self,
                version: &str,
            ) -> Result<Option<$crate::predictors::PredictorRow>, $crate::StoreError> {
                Ok(
                    sqlx::query_as("SELECT * FROM predictors WHERE version = $1")
                        .bind(version)
                        .fetch_optional(&self.pool)
                        .await?,
                )
            }
        }
    };
}

pub(crate) use impl_sql_predictors;
