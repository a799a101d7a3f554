use serde::Serialize;
use switchboard_store::StoreError;

pub type Result<T, E = ApiError> = std::result::Result<T, E>;

/// What a front end branches on. Add a variant only when some UI needs to tell it apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Code {
    /// The named thing does not exist.
    NotFound,
    /// The request itself is wrong (bad status, empty name, malformed query).
    InvalidInput,
    /// It clashes with what exists (duplicate name, file already there).
    Conflict,
    /// No workspace in the data folder yet.
    NotInitialized,
    /// The input file or folder could not be read or written.
    Io,
    /// The database failed.
    Storage,
    /// A server refused the credentials: the user must sign in again.
    Auth,
    /// A server could not be reached or failed mid-way; retrying later may work.
    Unavailable,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error, ts_rs::TS)]
#[error("{message}")]
pub struct ApiError {
    pub code: Code,
    pub message: String,
}

impl ApiError {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
        }
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        ApiError::new(Code::InvalidInput, message)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        let code = match &e {
            StoreError::NotFound { .. } => Code::NotFound,
            StoreError::Invalid(_) => Code::InvalidInput,
            StoreError::Conflict(_) => Code::Conflict,
            StoreError::NotInitialized(_) => Code::NotInitialized,
            StoreError::Io { .. } => Code::Io,
            StoreError::Open { .. }
            | StoreError::Migrate { .. }
            | StoreError::Sqlite(_)
            | StoreError::Json(_) => Code::Storage,
        };
        ApiError::new(code, e.to_string())
    }
}
