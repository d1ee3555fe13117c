//! Supervision flags (监管预警, issue 13): the rules that raise a flag on a
//! record, and what an officer may do with a flag.
//!
//! Guarantees: every rule has one stored code, one Chinese name and the text
//! of the rule as the officer reads it ([`Rule::explanation`]); the thresholds
//! are the named constants below, nowhere else. A flag's handling moves only
//! forward ([`Status::after`]): 待处理 → 已知悉 → 已办结, a note may be added
//! until it is closed, and a closed flag is never reopened by an officer (a new flag is
//! raised if the cause comes back after it cleared).

use serde::Serialize;

/// An active pairing with no project created or updated, and no progress, for this many days is idle.
pub const IDLE_DAYS: i64 = 183;

/// Reported figures above this many times the plan are "far above" it.
pub const FAR_ABOVE_PLAN: i64 = 2;

/// A unit's half-year report returned this many times in one cycle is flagged.
pub const RETURNS_FLAGGED: i64 = 2;

/// A rule the daily job evaluates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// A pairing of a list whose signing deadline has passed without a signed agreement.
    AgreementOverdue,
    /// An active pairing with no project or progress for [`IDLE_DAYS`].
    PairingIdle,
    /// An organisation on a credit list that still has active pairings or open matches.
    ListedStillActive,
    /// A project reporting funds or beneficiaries with no evidence, or far above its plan.
    ProjectFigures,
    /// A unit's half-year report past its due date, or returned [`RETURNS_FLAGGED`] times.
    ReportOverdue,
    /// A complaint not decided by its due date (`complaint::DUE_DAYS` after filing).
    ComplaintOverdue,
}

impl Rule {
    pub const ALL: [Rule; 6] =
        [Rule::AgreementOverdue, Rule::PairingIdle, Rule::ListedStillActive, Rule::ProjectFigures, Rule::ReportOverdue, Rule::ComplaintOverdue];

    pub fn as_str(self) -> &'static str {
        match self {
            Rule::AgreementOverdue => "agreement_overdue",
            Rule::PairingIdle => "pairing_idle",
            Rule::ListedStillActive => "listed_still_active",
            Rule::ProjectFigures => "project_figures",
            Rule::ReportOverdue => "report_overdue",
            Rule::ComplaintOverdue => "complaint_overdue",
        }
    }

    pub fn parse(s: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            Rule::AgreementOverdue => "协议逾期未签",
            Rule::PairingIdle => "结对长期无进展",
            Rule::ListedStillActive => "列入名录仍在帮扶",
            Rule::ProjectFigures => "项目数据存疑",
            Rule::ReportOverdue => "调度报表逾期或多次退回",
            Rule::ComplaintOverdue => "投诉举报逾期未办结",
        }
    }

    /// The rule as the officer reads it on the flag.
    pub fn explanation(self) -> String {
        match self {
            Rule::AgreementOverdue => "结对名单规定的协议签订截止日期（全国名单为8月31日，云南省名单为12月31日，以名单所载为准）已过，结对协议仍未签订上传。".into(),
            Rule::PairingIdle => format!("结对已生效，但该组织在结对县已有{IDLE_DAYS}天没有新建或更新帮扶项目、没有报送进展。"),
            Rule::ListedStillActive => "该组织已被列入活动异常名录或严重违法失信名单，仍有生效的结对关系或待确认的对接。".into(),
            Rule::ProjectFigures => format!("项目报送了资金或受益人数却没有任何佐证材料，或报送的资金、受益人数超过计划的{FAR_ABOVE_PLAN}倍。"),
            Rule::ReportOverdue => format!("半年调度报表已过报送截止日期仍未报送，或本轮已被退回{RETURNS_FLAGGED}次及以上。"),
            Rule::ComplaintOverdue => format!("投诉举报自受理起{}日内应办结，已过期限仍未作出处理结论。", crate::complaint::DUE_DAYS),
        }
    }
}

crate::stored_as_text!(Rule, "预警规则");

/// Where an officer has taken a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Open,
    Acknowledged,
    Closed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Acknowledged => "acknowledged",
            Status::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [Status::Open, Status::Acknowledged, Status::Closed].into_iter().find(|k| k.as_str() == s.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Open => "待处理",
            Status::Acknowledged => "已知悉",
            Status::Closed => "已办结",
        }
    }

    /// The status after `step`, or why the step is refused.
    pub fn after(self, step: Step) -> Result<Status, &'static str> {
        match (self, step) {
            (Status::Closed, _) => Err("该预警已办结"),
            (_, Step::Note) => Ok(self),
            (Status::Open, Step::Acknowledge) => Ok(Status::Acknowledged),
            (Status::Acknowledged, Step::Acknowledge) => Err("该预警已知悉"),
            (Status::Open | Status::Acknowledged, Step::Close) => Ok(Status::Closed),
        }
    }
}

crate::stored_as_text!(Status, "预警处理状态");

/// What an officer does with a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// 知悉: the office has seen it and is looking into it.
    Acknowledge,
    /// 备注: a note for the record.
    Note,
    /// 办结: handled (the note says how).
    Close,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Acknowledge => "acknowledge",
            Step::Note => "note",
            Step::Close => "close",
        }
    }

    pub fn parse(s: &str) -> Option<Step> {
        [Step::Acknowledge, Step::Note, Step::Close].into_iter().find(|k| k.as_str() == s.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            Step::Acknowledge => "知悉",
            Step::Note => "备注",
            Step::Close => "办结",
        }
    }

    /// Whether the step needs a note (a note and a closing say what was done).
    pub fn needs_note(self) -> bool {
        !matches!(self, Step::Acknowledge)
    }
}

crate::stored_as_text!(Step, "预警处理步骤");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_labels_are_chinese() {
        for r in Rule::ALL {
            assert_eq!(Rule::parse(r.as_str()), Some(r));
            assert!(!r.label().is_ascii() && !r.explanation().is_empty());
        }
        assert_eq!(Rule::parse("other"), None);
    }

    #[test]
    fn handling_moves_only_forward() {
        use Status::*;
        assert_eq!(Open.after(Step::Acknowledge), Ok(Acknowledged));
        assert_eq!(Open.after(Step::Close), Ok(Closed));
        assert_eq!(Acknowledged.after(Step::Close), Ok(Closed));
        assert_eq!(Acknowledged.after(Step::Note), Ok(Acknowledged));
        assert!(Acknowledged.after(Step::Acknowledge).is_err());
        assert!(Closed.after(Step::Close).is_err());
        assert!(Closed.after(Step::Acknowledge).is_err());
        assert!(Closed.after(Step::Note).is_err(), "a closed flag's history is final");
        assert!(Step::Close.needs_note() && Step::Note.needs_note() && !Step::Acknowledge.needs_note());
    }
}
