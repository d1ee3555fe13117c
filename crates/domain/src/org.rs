//! What the registry knows about a social organisation beyond its credit code:
//! fields of work, rating grade, the two credit lists, and the rule that keeps
//! listed organisations from taking new work.
//!
//! Guarantees: every value here parses from the Chinese an officer types and
//! prints back the same way, so exported files import unchanged.

use serde::{Deserialize, Serialize};

/// Fields of assistance (DOMAIN.md §3), as officers write them.
pub const FIELDS: &[&str] = &[
    "产业", "就业", "教育", "健康", "养老", "消费", "生态", "文化", "人才", "治理", "特殊群体关爱", "基础设施",
];

/// Parses a list like `教育、健康` (also `,` `，` `;` `；` or spaces); returns the
/// normalised `、`-joined list or the first unknown field.
pub fn parse_fields(input: &str) -> Result<String, String> {
    let mut out: Vec<&str> = Vec::new();
    for part in input.split(['、', ',', '，', ';', '；', ' ', '/']).map(str::trim).filter(|s| !s.is_empty()) {
        let Some(known) = FIELDS.iter().find(|f| **f == part) else {
            return Err(format!("未知的帮扶领域“{part}”，可选：{}", FIELDS.join("、")));
        };
        if !out.contains(known) {
            out.push(known);
        }
    }
    Ok(out.join("、"))
}

/// Rating grade from the social-organisation assessment (等级评估).
pub fn parse_rating(input: &str) -> Result<String, String> {
    let t = input.trim().to_ascii_uppercase();
    match t.as_str() {
        "" | "无" | "未评估" => Ok(String::new()),
        "1A" | "2A" | "3A" | "4A" | "5A" => Ok(t),
        _ => Err(format!("等级评估应为 1A–5A 或留空，而不是“{}”", input.trim())),
    }
}

/// The two lists of the social-organisation credit system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CreditList {
    /// 活动异常名录
    Abnormal,
    /// 严重违法失信名单
    Serious,
}

impl CreditList {
    pub fn as_str(self) -> &'static str {
        match self {
            CreditList::Abnormal => "abnormal",
            CreditList::Serious => "serious",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CreditList::Abnormal => "活动异常名录",
            CreditList::Serious => "严重违法失信名单",
        }
    }

    /// Parses the key or the Chinese label; empty means on no list.
    pub fn parse(s: &str) -> Result<Option<CreditList>, String> {
        match s.trim() {
            "" | "无" | "否" => Ok(None),
            "abnormal" | "活动异常名录" => Ok(Some(CreditList::Abnormal)),
            "serious" | "严重违法失信名单" => Ok(Some(CreditList::Serious)),
            other => Err(format!("信用名单应为“活动异常名录”“严重违法失信名单”或留空，而不是“{other}”")),
        }
    }
}

/// Refuses new enrolments, demands and pairings to a listed organisation.
pub fn may_take_new_work(list: Option<CreditList>) -> Result<(), String> {
    match list {
        None => Ok(()),
        Some(l) => Err(format!("该组织已被列入{}，移出名单前不能报名行动、承接需求或结对", l.label())),
    }
}

/// An organisation's status in the registry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgStatus {
    /// 正常
    #[default]
    Active,
    /// 已注销
    Deregistered,
}

impl OrgStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgStatus::Active => "active",
            OrgStatus::Deregistered => "deregistered",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            OrgStatus::Active => "正常",
            OrgStatus::Deregistered => "已注销",
        }
    }

    /// Parses the key or the Chinese label; empty means active.
    pub fn parse(s: &str) -> Result<OrgStatus, String> {
        match s.trim() {
            "" | "active" | "正常" => Ok(OrgStatus::Active),
            "deregistered" | "已注销" => Ok(OrgStatus::Deregistered),
            other => Err(format!("状态应为“正常”或“已注销”，而不是“{other}”")),
        }
    }
}

impl TryFrom<String> for OrgStatus {
    type Error = String;

    /// The stored key only (a stored label or blank is a fault, not a default).
    fn try_from(s: String) -> Result<OrgStatus, String> {
        [OrgStatus::Active, OrgStatus::Deregistered].into_iter().find(|k| k.as_str() == s).ok_or_else(|| format!("unknown organisation status {s:?}"))
    }
}

/// Where an organisation's registration stands with the office that reviews
/// self-applications: officers' records are approved at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Approval {
    /// 待审核
    Pending,
    /// 已通过
    Approved,
    /// 已退回
    Returned,
}

impl Approval {
    pub fn as_str(self) -> &'static str {
        match self {
            Approval::Pending => "pending",
            Approval::Approved => "approved",
            Approval::Returned => "returned",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Approval::Pending => "待审核",
            Approval::Approved => "已通过",
            Approval::Returned => "已退回",
        }
    }
}

impl TryFrom<String> for Approval {
    type Error = String;

    fn try_from(s: String) -> Result<Approval, String> {
        [Approval::Pending, Approval::Approved, Approval::Returned].into_iter().find(|k| k.as_str() == s).ok_or_else(|| format!("unknown approval {s:?}"))
    }
}

/// Whether a text is a phone number as officers write them: 7–20 digits, at most
/// 30 characters, with only the usual separators (0870-1234567, 138 0000 0000,
/// +86 10 12345678, 010-12345678转123).
pub fn is_phone(s: &str) -> bool {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    (7..=20).contains(&digits)
        && s.chars().count() <= 30
        && s.chars().all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | ' ' | '(' | ')' | '（' | '）' | '转'))
}

/// Yes/no as written in spreadsheets.
pub fn parse_yes_no(s: &str) -> Result<bool, String> {
    match s.trim() {
        "是" | "有" | "yes" | "true" | "1" => Ok(true),
        "" | "否" | "无" | "no" | "false" | "0" => Ok(false),
        other => Err(format!("应填“是”或“否”，而不是“{other}”")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_normalise_and_name_the_unknown_one() {
        assert_eq!(parse_fields("教育，健康 教育").unwrap(), "教育、健康");
        assert_eq!(parse_fields("").unwrap(), "");
        assert!(parse_fields("教育、炒股").unwrap_err().contains("炒股"));
    }

    #[test]
    fn a_status_reads_as_typed_but_a_stored_one_must_be_a_key() {
        assert_eq!(OrgStatus::parse("已注销"), Ok(OrgStatus::Deregistered));
        assert_eq!(OrgStatus::parse(""), Ok(OrgStatus::Active));
        assert!(OrgStatus::parse("暂停").unwrap_err().contains("“暂停”"));
        // A row that holds anything but a key is a fault, not a silent default.
        assert!(OrgStatus::try_from(String::new()).is_err());
        assert!(OrgStatus::try_from("正常".to_string()).is_err());
        for a in [Approval::Pending, Approval::Approved, Approval::Returned] {
            assert_eq!(Approval::try_from(a.as_str().to_string()), Ok(a));
        }
        assert!(Approval::try_from("rejected".to_string()).is_err());
    }

    #[test]
    fn listed_organisations_may_not_take_new_work() {
        assert!(may_take_new_work(None).is_ok());
        assert!(may_take_new_work(Some(CreditList::Serious)).unwrap_err().contains("严重违法失信名单"));
        assert!(may_take_new_work(Some(CreditList::Abnormal)).unwrap_err().contains("活动异常名录"));
        assert_eq!(CreditList::parse("活动异常名录").unwrap(), Some(CreditList::Abnormal));
        assert!(CreditList::parse("黑名单").is_err());
    }

    #[test]
    fn phone_numbers_as_officers_write_them() {
        for ok in ["0870-1234567", "138 0000 0000", "+86 10 12345678", "010-12345678转123"] {
            assert!(is_phone(ok), "{ok}");
        }
        for bad in ["123", "电话", "0870-1234567; DROP", "1234567890123456789012345678901"] {
            assert!(!is_phone(bad), "{bad}");
        }
    }

    #[test]
    fn ratings_and_yes_no_parse_as_typed() {
        assert_eq!(parse_rating("4a").unwrap(), "4A");
        assert_eq!(parse_rating("").unwrap(), "");
        assert!(parse_rating("6A").is_err());
        assert!(parse_yes_no("是").unwrap());
        assert!(!parse_yes_no("").unwrap());
        assert!(parse_yes_no("也许").is_err());
    }
}
