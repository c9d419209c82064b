//! The one error type at the HTTP edge: every failure becomes a status, a
//! stable code and a message, as JSON. Internal details are logged, never
//! sent.

use crate::writer::WriteError;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use leadscore_store::StoreError;
use serde::Serialize;

/// An error answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine-readable code.
    pub code: &'static str,
    /// What went wrong, for people.
    pub message: String,
    /// The request field at fault, if one is.
    pub field: Option<String>,
}

/// The JSON body of an error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// The parts of an error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable code: `invalid_json`, `invalid_field`, `payload_too_large`,
    /// `unauthorized`, `forbidden`, `not_found`, `conflict`,
    /// `invalid_model`, `unavailable` or `internal`.
    pub code: &'static str,
    /// Explanation.
    pub message: String,
    /// The field at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
        }
    }

    /// A request field holds something unusable.
    pub fn field(field: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            field: Some(field.to_owned()),
            ..ApiError::new(StatusCode::BAD_REQUEST, "invalid_field", message)
        }
    }

    /// The body is not valid JSON.
    pub fn json(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_json", message)
    }

    /// The body or an event is too large.
    pub fn too_large(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", message)
    }

    /// No or unknown credentials.
    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid API key is required (HTTP Basic user name or Bearer token)",
        )
    }

    /// The key's role does not allow this.
    pub fn forbidden(needed: &str) -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("this key cannot do that; it needs the {needed} role"),
        )
    }

    /// The thing asked for does not exist.
    pub fn not_found(what: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{} not found", what.into()),
        )
    }

    /// The request clashes with the current state.
    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, "conflict", message)
    }

    /// A model file did not validate.
    pub fn invalid_model(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_model", message)
    }

    /// Something failed inside; the cause is logged.
    pub fn internal(cause: &dyn std::fmt::Display) -> ApiError {
        tracing::error!(error = %cause, "Request failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; the server log has the details",
        )
    }

    /// The JSON body.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message.clone(),
                field: self.field.clone(),
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body())).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::NotFound(what) => ApiError::not_found(what),
            other => ApiError::internal(&other),
        }
    }
}

impl From<crate::runtime::prepare::PrepareError> for ApiError {
    fn from(e: crate::runtime::prepare::PrepareError) -> ApiError {
        match e {
            crate::runtime::prepare::PrepareError::Invalid(m) => ApiError::invalid_model(m),
            crate::runtime::prepare::PrepareError::Store(s) => s.into(),
        }
    }
}

impl From<WriteError> for ApiError {
    fn from(e: WriteError) -> ApiError {
        match e {
            WriteError::NoSuchLead(id) => ApiError::not_found(format!("lead {id}")),
            WriteError::Busy(v) => {
                ApiError::conflict(format!("model version {v} is already being activated"))
            }
            WriteError::Stopped => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the server is shutting down",
            ),
            WriteError::Store(s) => match s.as_ref() {
                StoreError::NotFound(what) => ApiError::not_found(what.clone()),
                other => ApiError::internal(other),
            },
        }
    }
}
