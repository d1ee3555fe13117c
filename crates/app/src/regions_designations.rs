//! Regions and designations (重点帮扶县 and the like).
//!
//! Guarantees: an organisation user browses the whole (public) tree, an
//! officer starts at the unit's own region; a new designation is accepted only
//! with a known kind, a date that parses, a source and a note within limits,
//! and every bad field is named in Chinese.

use crate::Error;
use duijie_domain::{FieldError, Level, Principal, RegionCode, Role};
use duijie_store::Db;
use duijie_store::designations::{Kind, NewDesignation};
use duijie_store::regions::RegionTree;

/// Where `p` starts browsing the region tree: officers at their unit, organisations at the top.
pub fn browse_root(p: &Principal) -> RegionCode {
    if p.role() == Role::Organization { RegionCode::national() } else { p.region().clone() }
}

/// How people read a region: its full name (云南省昭通市彝良县), and for a
/// village — not in the in-memory tree — its township's full name and its own
/// name read from the database (云南省昭通市彝良县洛泽河镇花桥村); a village
/// not loaded reads as its township with the code.
pub async fn place(db: &Db, tree: &RegionTree, code: &RegionCode) -> Result<String, Error> {
    if code.level() != Level::Village {
        return Ok(tree.full_name(code));
    }
    let township = code.parent().map(|p| tree.full_name(&p)).unwrap_or_default();
    Ok(match duijie_store::regions::village(db, code).await? {
        Some(v) => format!("{township}{}", v.name),
        None => format!("{township}（村 {code}）"),
    })
}

/// Checks the fields of a new designation, naming each bad field.
pub fn validate_new(code: &RegionCode, kind: &str, valid_from: &str, source: &str, note: &str, kinds: &[Kind]) -> Result<NewDesignation, Error> {
    let mut errors = Vec::new();
    if !kinds.iter().any(|k| k.key == kind) {
        errors.push(FieldError::new("kind", "请选择认定类别"));
    }
    let date = if valid_from.trim().is_empty() {
        None
    } else {
        let d = duijie_domain::date::parse_date(valid_from);
        if d.is_none() {
            errors.push(FieldError::new("valid_from", "认定日期格式应为 2021-08-27"));
        }
        d
    };
    if source.trim().is_empty() {
        errors.push(FieldError::new("source", "请填写认定依据（文件名称或文号）"));
    } else if source.chars().count() > 200 {
        errors.push(FieldError::new("source", "认定依据不能超过 200 字"));
    }
    if note.chars().count() > 500 {
        errors.push(FieldError::new("note", "备注不能超过 500 字"));
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    Ok(NewDesignation { region_code: code.as_str().into(), kind: kind.into(), valid_from: date, source: source.trim().into(), note: note.trim().into() })
}
