//! How the API describes request fields that are numbers (or booleans) but are
//! read into the pages' text form types (`DemandInput`, `OfferInput`, …).
//!
//! Guarantees: such a field is described as a JSON number, integer or boolean,
//! and its text form (`"12.5"`, `"true"`) is described as a deprecated
//! alternative, still accepted for one release; the handlers read both
//! through `lenient`, so what the description allows is what is accepted.

use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::{Deprecated, RefOr};

/// `kind` or its text (deprecated).
fn typed_or_text(kind: Type, description: &str) -> RefOr<Schema> {
    let text = ObjectBuilder::new()
        .schema_type(Type::String)
        .deprecated(Some(Deprecated::True))
        .description(Some("同一数值的文字形式（已弃用：本版本仍接受，下一版本起请发送 JSON 数值或布尔值）"));
    OneOfBuilder::new().description(Some(description)).item(ObjectBuilder::new().schema_type(kind)).item(text).into()
}

/// An amount in 万元, e.g. 12.5.
pub fn wan() -> RefOr<Schema> {
    typed_or_text(Type::Number, "金额（万元，最多两位小数），例如 12.5；不填为未定。")
}

/// A whole number: a count, a level, a record's id.
pub fn integer() -> RefOr<Schema> {
    typed_or_text(Type::Integer, "整数。")
}

/// Yes or no.
pub fn flag() -> RefOr<Schema> {
    typed_or_text(Type::Boolean, "true 或 false。")
}
