//! Duijie's domain: the vocabulary every other crate speaks.
//!
//! Guarantees: nothing here performs I/O. Values that reach the rest of the
//! system through these types have been parsed once ("parse, don't validate"):
//! a [`RegionCode`] is a well-formed statistical division code, a [`Uscc`] has
//! correct check digits, a [`Role`] is one of the known roles. The single
//! authorisation decision lives in [`authz`].

pub mod authz;
pub mod crypto;
pub mod date;
pub mod demand;
pub mod matching;
pub mod org;
pub mod pairing;
pub mod project;
pub mod region;
pub mod sealing;
pub mod role;
pub mod uscc;

pub use authz::{Action, Decision, Principal, Scope, Target};
pub use region::{Level, RegionCode};
pub use role::{Department, Role};
pub use uscc::{OrgType, Uscc};

/// A validation failure that names the field and says, in Chinese, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    /// The machine name of the field (form field or JSON key).
    pub field: String,
    /// What is wrong, in Chinese, for the person who filled it in.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}
