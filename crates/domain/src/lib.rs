//! Duijie's domain: the vocabulary every other crate speaks.
//!
//! Guarantees: nothing here performs I/O. Values that reach the rest of the
//! system through these types have been parsed once ("parse, don't validate"):
//! a [`RegionCode`] is a well-formed statistical division code, a [`Uscc`] has
//! correct check digits, a [`Role`] is one of the known roles. The single
//! authorisation decision lives in [`authz`].

/// Implements `TryFrom<String>` through the type's `parse`, so that a store row
/// decodes its text column straight into the enum (`#[sqlx(try_from = "String")]`)
/// and a value the schema should have refused is an error, never a default.
macro_rules! stored_as_text {
    ($t:ty, $what:literal) => {
        impl TryFrom<String> for $t {
            type Error = crate::UnknownCode;
            fn try_from(code: String) -> Result<Self, Self::Error> {
                <$t>::parse(&code).ok_or(crate::UnknownCode { what: $what, code })
            }
        }
    };
}
pub(crate) use stored_as_text;

pub mod authz;
pub mod complaint;
pub mod crypto;
pub mod date;
pub mod demand;
pub mod matching;
pub mod monitoring;
pub mod org;
pub mod pairing;
pub mod project;
pub mod report;
pub mod region;
pub mod sealing;
pub mod role;
pub mod supervision;
pub mod uscc;

pub use authz::{Action, Decision, Principal, Scope, Target};
pub use region::{Level, RegionCode};
pub use role::{Department, Role};
pub use uscc::{OrgType, Uscc};

/// A stored code that names no known value: a row the schema should have refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("未知的{what}：{code}")]
pub struct UnknownCode {
    pub what: &'static str,
    pub code: String,
}

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
