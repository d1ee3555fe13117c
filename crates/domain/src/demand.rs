//! Demands (需求项目) of the demand library, small household wishes (微心愿),
//! and the personal data of households that demands may carry.
//!
//! Guarantees:
//! - A demand moves only along [`advance`]: draft → submitted → published
//!   (approved) → taken (a match is confirmed) → in progress → done; a submitted
//!   demand may be returned to draft; an open demand may be withdrawn, and a
//!   published one expires after its deadline. A taken or running demand whose
//!   project the organisation stops goes back to published ([`Step::Reopen`]):
//!   the need is still there and another organisation may take it. Closed
//!   demands never move.
//! - ID numbers are checked against GB 11643 (the 18th character is the check
//!   digit); names, ID numbers and phones are shown only masked ([`mask_name`],
//!   [`mask_id`], [`mask_phone`]) unless an officer in scope asks for the full
//!   view, which is audited by the store.

use serde::{Deserialize, Serialize};

/// Where a demand stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    Submitted,
    Published,
    Taken,
    InProgress,
    Done,
    Withdrawn,
    Expired,
}

impl Status {
    pub const ALL: [Status; 8] =
        [Status::Draft, Status::Submitted, Status::Published, Status::Taken, Status::InProgress, Status::Done, Status::Withdrawn, Status::Expired];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::Published => "published",
            Status::Taken => "taken",
            Status::InProgress => "in_progress",
            Status::Done => "done",
            Status::Withdrawn => "withdrawn",
            Status::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Draft => "草稿",
            Status::Submitted => "待审核",
            Status::Published => "已发布",
            Status::Taken => "已对接",
            Status::InProgress => "实施中",
            Status::Done => "已完成",
            Status::Withdrawn => "已撤回",
            Status::Expired => "已过期",
        }
    }

    /// Whether the public (and organisations) may see the demand.
    pub fn is_public(self) -> bool {
        matches!(self, Status::Published | Status::Taken | Status::InProgress | Status::Done)
    }

    pub fn is_closed(self) -> bool {
        matches!(self, Status::Done | Status::Withdrawn | Status::Expired)
    }
}

crate::stored_as_text!(Status, "需求状态");

/// Something done to a demand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// The county bureau submits the draft for approval.
    Submit,
    /// The approving unit publishes it.
    Approve,
    /// The approving unit returns it for changes.
    Return,
    /// A match was confirmed.
    Take,
    /// The organisation starts the work.
    Start,
    /// The county confirms the work is done.
    Finish,
    Withdraw,
    /// The deadline passed without a match.
    Expire,
    /// The organisation stopped the project of its match: the demand is
    /// published again for others to take (never chosen by a person).
    Reopen,
}

impl Step {
    /// The machine name of a step, as forms and the API send it.
    pub fn key(self) -> &'static str {
        match self {
            Step::Submit => "submit",
            Step::Approve => "approve",
            Step::Return => "return",
            Step::Take => "take",
            Step::Start => "start",
            Step::Finish => "finish",
            Step::Withdraw => "withdraw",
            Step::Expire => "expire",
            Step::Reopen => "reopen",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Step::Submit => "提交审核",
            Step::Approve => "审核通过并发布",
            Step::Return => "退回修改",
            Step::Take => "对接成功",
            Step::Start => "开始实施",
            Step::Finish => "确认完成",
            Step::Withdraw => "撤回",
            Step::Expire => "逾期未对接",
            Step::Reopen => "项目终止后重新发布",
        }
    }
}

/// The status after `step`, or why it is not possible now.
pub fn advance(status: Status, step: Step) -> Result<Status, String> {
    use Status::*;
    if status.is_closed() {
        return Err(format!("该需求{}，不能再{}", status.label(), step.label()));
    }
    match (status, step) {
        (Draft, Step::Submit) => Ok(Submitted),
        (Submitted, Step::Approve) => Ok(Published),
        (Submitted, Step::Return) => Ok(Draft),
        (Published, Step::Take) => Ok(Taken),
        (Taken, Step::Start) => Ok(InProgress),
        (Taken | InProgress, Step::Finish) => Ok(Done),
        (Draft | Submitted | Published, Step::Withdraw) => Ok(Withdrawn),
        (Published, Step::Expire) => Ok(Expired),
        (Taken | InProgress, Step::Reopen) => Ok(Published),
        _ => Err(format!("当前状态为“{}”，不能{}", status.label(), step.label())),
    }
}

/// Who or what a demand is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    County,
    Township,
    Village,
    Household,
}

impl Target {
    pub const ALL: [Target; 4] = [Target::County, Target::Township, Target::Village, Target::Household];

    pub fn as_str(self) -> &'static str {
        match self {
            Target::County => "county",
            Target::Township => "township",
            Target::Village => "village",
            Target::Household => "household",
        }
    }

    pub fn parse(s: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.as_str() == s.trim() || t.label() == s.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            Target::County => "县",
            Target::Township => "乡镇",
            Target::Village => "村",
            Target::Household => "户",
        }
    }

    /// The region level the demand names (a household is named by its village).
    pub fn level(self) -> crate::Level {
        match self {
            Target::County => crate::Level::County,
            Target::Township => crate::Level::Township,
            Target::Village | Target::Household => crate::Level::Village,
        }
    }
}

crate::stored_as_text!(Target, "需求对象");

/// 输血 (relief) or 造血 (capacity-building).
pub const MODES: [(&str, &str); 2] = [("relief", "输血（直接救助）"), ("capacity", "造血（能力建设）")];

/// Urgency 1–3.
pub const URGENCIES: [(i64, &str); 3] = [(1, "一般"), (2, "较急"), (3, "紧急")];

/// Beneficiary groups as the documents name them.
pub const GROUPS: &[&str] = &["脱贫不稳定户", "边缘易致贫户", "突发严重困难户", "三留守人员", "残疾人", "特困人员", "脱贫人口", "农村低收入人口", "其他"];

/// The largest small wish (微心愿), in fen: 0.5 万元.
pub const WISH_LIMIT_FEN: i64 = 500_000;

/// Checks a mainland resident ID number (GB 11643-1999): 17 digits and a check character.
pub fn check_id_number(s: &str) -> Result<String, String> {
    let t = s.trim().to_ascii_uppercase();
    let bad = || format!("身份证号“{}”格式不对：应为 18 位，最后一位为数字或 X", s.trim());
    if t.len() != 18 || !t[..17].chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const C: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
    let sum: u32 = t[..17].chars().zip(W).map(|(c, w)| c.to_digit(10).unwrap_or(0) * w).sum();
    if t.chars().nth(17) != Some(C[(sum % 11) as usize]) {
        return Err("身份证号校验位不对，请核对".into());
    }
    Ok(t)
}

/// 张*明, 李*, 欧阳**: the first character only (and the last of names of three or more).
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.trim().chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".into(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

/// 530628********1234: region prefix and the last four characters.
pub fn mask_id(id: &str) -> String {
    let chars: Vec<char> = id.trim().chars().collect();
    if chars.len() < 10 {
        return "*".repeat(chars.len());
    }
    let n = chars.len();
    format!("{}{}{}", chars[..6].iter().collect::<String>(), "*".repeat(n - 10), chars[n - 4..].iter().collect::<String>())
}

/// 138****0000.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.trim().chars().collect();
    if chars.len() < 7 {
        return "*".repeat(chars.len());
    }
    let n = chars.len();
    format!("{}{}{}", chars[..3].iter().collect::<String>(), "*".repeat(n - 7), chars[n - 4..].iter().collect::<String>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_demand_is_published_only_after_approval_and_closed_ones_stay_closed() {
        assert_eq!(advance(Status::Draft, Step::Submit), Ok(Status::Submitted));
        assert!(advance(Status::Draft, Step::Approve).is_err());
        assert_eq!(advance(Status::Submitted, Step::Return), Ok(Status::Draft));
        assert_eq!(advance(Status::Submitted, Step::Approve), Ok(Status::Published));
        assert_eq!(advance(Status::Published, Step::Take), Ok(Status::Taken));
        assert!(advance(Status::Taken, Step::Withdraw).is_err(), "a taken demand is finished, not withdrawn");
        assert_eq!(advance(Status::Taken, Step::Start), Ok(Status::InProgress));
        assert_eq!(advance(Status::InProgress, Step::Finish), Ok(Status::Done));
        for matched in [Status::Taken, Status::InProgress] {
            assert_eq!(advance(matched, Step::Reopen), Ok(Status::Published), "a stopped project gives the need back to the library");
        }
        for other in [Status::Draft, Status::Submitted, Status::Published, Status::Done, Status::Withdrawn, Status::Expired] {
            assert!(advance(other, Step::Reopen).is_err(), "{other:?}");
        }
        for closed in [Status::Done, Status::Withdrawn, Status::Expired] {
            assert!(advance(closed, Step::Submit).is_err() && advance(closed, Step::Take).is_err());
        }
        assert!(!Status::Draft.is_public() && !Status::Submitted.is_public() && Status::Published.is_public());
    }

    #[test]
    fn id_numbers_are_checked_and_personal_data_masked() {
        assert_eq!(check_id_number("11010519491231002x").unwrap(), "11010519491231002X");
        assert!(check_id_number("110105194912310021").is_err(), "wrong check digit");
        assert!(check_id_number("1101051949").is_err());
        assert_eq!(mask_id("11010519491231002X"), "110105********002X");
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("王小明"), "王*明");
        assert_eq!(mask_phone("13812345678"), "138****5678");
    }
}
