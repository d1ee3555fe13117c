//! Pairing (结对帮扶): its kinds, its steps, and the target sets officers plan for.
//!
//! Guarantees:
//! - A pairing moves only along [`advance`]: proposed → consented (once both the
//!   organisation and the county have agreed, in either order) → signed (the
//!   signed agreement is uploaded) → active (confirmed by an officer) → adjusted
//!   or ended; a proposal may be declined by either side or withdrawn. Closed
//!   pairings never move again.
//! - Only consented, signed and active pairings count as coverage ([`Status::covers`]).
//! - Voluntary participation: nothing here assigns; a plan only proposes, and a
//!   proposal needs the organisation's own consent.
//! - A published list changes only through an adjustment request ([`Op`]: add,
//!   change the target, end), which both departments approve or either rejects
//!   ([`AdjustmentStatus`]).

use crate::{Level, RegionCode};
use serde::{Deserialize, Serialize};

/// What an organisation pairs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 社会组织 ↔ 县 (百会结百县; the national 160-county list).
    County,
    /// 社会组织 ↔ 村 (百会助千村, 一会帮一村 / 一会帮多村).
    Village,
    /// 社会组织 ↔ 户 (百会兴万户); the household is named by a non-identifying label.
    Household,
    /// 社会组织党组织 ↔ 村党支部 (双百结对共建).
    PartyBranch,
    /// 会员企业 ↔ 村 (一企帮一村).
    EnterpriseVillage,
}

impl Kind {
    pub const ALL: [Kind; 5] = [Kind::County, Kind::Village, Kind::Household, Kind::PartyBranch, Kind::EnterpriseVillage];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::County => "county",
            Kind::Village => "village",
            Kind::Household => "household",
            Kind::PartyBranch => "party_branch",
            Kind::EnterpriseVillage => "enterprise_village",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s.trim() || k.label() == s.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::County => "社会组织—县（市、区）",
            Kind::Village => "社会组织—村",
            Kind::Household => "社会组织—户",
            Kind::PartyBranch => "党组织—村党支部",
            Kind::EnterpriseVillage => "会员企业—村",
        }
    }

    /// The level of the region a pairing of this kind names.
    pub fn target_level(self) -> Level {
        if self == Kind::County { Level::County } else { Level::Village }
    }

    /// What `target_label` holds for this kind, if anything (shown as the form's label).
    pub fn label_prompt(self) -> Option<&'static str> {
        match self {
            Kind::Household => Some("帮扶户（户编号或化名及类别，勿填身份证号）"),
            Kind::PartyBranch => Some("村党支部名称"),
            Kind::EnterpriseVillage => Some("会员企业名称"),
            Kind::County | Kind::Village => None,
        }
    }
}

crate::stored_as_text!(Kind, "结对类型");

/// Where a pairing stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Proposed; waiting for the organisation's and/or the county's consent.
    Proposed,
    /// Both sides agreed; the agreement is to be signed.
    Consented,
    /// The signed agreement is uploaded; waiting for an officer's confirmation.
    Signed,
    /// In force.
    Active,
    /// Replaced by another pairing through an approved adjustment.
    Adjusted,
    /// Ended (by an approved adjustment, or before the list was published).
    Ended,
    /// One side declined the proposal.
    Declined,
    /// Withdrawn before both sides agreed.
    Withdrawn,
}

impl Status {
    pub const ALL: [Status; 8] = [
        Status::Proposed,
        Status::Consented,
        Status::Signed,
        Status::Active,
        Status::Adjusted,
        Status::Ended,
        Status::Declined,
        Status::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Proposed => "proposed",
            Status::Consented => "consented",
            Status::Signed => "signed",
            Status::Active => "active",
            Status::Adjusted => "adjusted",
            Status::Ended => "ended",
            Status::Declined => "declined",
            Status::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Proposed => "待双方同意",
            Status::Consented => "待签协议",
            Status::Signed => "协议已签待确认",
            Status::Active => "结对中",
            Status::Adjusted => "已调整",
            Status::Ended => "已终止",
            Status::Declined => "已谢绝",
            Status::Withdrawn => "已撤回",
        }
    }

    /// Whether the pairing counts toward a county's coverage.
    pub fn covers(self) -> bool {
        matches!(self, Status::Consented | Status::Signed | Status::Active)
    }

    /// Whether the pairing can never move again.
    pub fn is_closed(self) -> bool {
        matches!(self, Status::Adjusted | Status::Ended | Status::Declined | Status::Withdrawn)
    }
}

crate::stored_as_text!(Status, "结对状态");

/// Something a person does to a pairing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// The organisation agrees (自愿同意).
    OrgConsent,
    /// The county agrees (县同意对接).
    CountyConsent,
    /// Either side declines a proposal.
    Decline,
    /// The proposer withdraws a proposal.
    Withdraw,
    /// The signed agreement is uploaded.
    Sign,
    /// An officer confirms the signed agreement: the pairing is in force.
    Activate,
    /// The pairing ends (before publication, or by an approved adjustment).
    End,
    /// The pairing is replaced through an approved adjustment.
    Replace,
}

impl Step {
    /// The machine name of a step, as forms and the API send it and audit actions name it.
    pub fn key(self) -> &'static str {
        match self {
            Step::OrgConsent => "org_consent",
            Step::CountyConsent => "county_consent",
            Step::Decline => "decline",
            Step::Withdraw => "withdraw",
            Step::Sign => "sign",
            Step::Activate => "activate",
            Step::End => "end",
            Step::Replace => "replace",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Step::OrgConsent => "社会组织同意结对",
            Step::CountyConsent => "县级同意结对",
            Step::Decline => "谢绝结对",
            Step::Withdraw => "撤回提议",
            Step::Sign => "上传已签协议",
            Step::Activate => "确认协议生效",
            Step::End => "终止结对",
            Step::Replace => "调整结对",
        }
    }
}

/// The consents a proposal has so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Consents {
    pub org: bool,
    pub county: bool,
}

/// The status after `step`, or why the step is not possible now (in Chinese).
pub fn advance(status: Status, consents: Consents, step: Step) -> Result<Status, String> {
    use Status::*;
    if status.is_closed() {
        return Err(format!("该结对已{}，不能再{}", status.label().trim_start_matches("已"), step.label()));
    }
    let refuse = || Err(format!("当前状态为“{}”，不能{}", status.label(), step.label()));
    match (status, step) {
        (Proposed, Step::OrgConsent) if consents.org => Err("社会组织已同意，无需重复操作".into()),
        (Proposed, Step::CountyConsent) if consents.county => Err("县级已同意，无需重复操作".into()),
        (Proposed, Step::OrgConsent) => Ok(if consents.county { Consented } else { Proposed }),
        (Proposed, Step::CountyConsent) => Ok(if consents.org { Consented } else { Proposed }),
        (Proposed, Step::Decline) => Ok(Declined),
        (Proposed, Step::Withdraw) => Ok(Withdrawn),
        (Consented, Step::Sign) => Ok(Signed),
        (Signed, Step::Sign) => Ok(Signed),
        (Signed, Step::Activate) => Ok(Active),
        (Consented | Signed | Active, Step::End) => Ok(Ended),
        (Consented | Signed | Active, Step::Replace) => Ok(Adjusted),
        _ => refuse(),
    }
}

/// A set of target counties for coverage and planning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Targets {
    /// The counties with a current designation of `kind` within `within`
    /// (`national_key`, `national_key:53`, `provincial_key:53`).
    Designated { kind: String, within: RegionCode },
    /// Every county of `within` (`counties:53`); statistical functional zones excluded.
    Counties { within: RegionCode },
}

impl Targets {
    /// Parses `KIND[:REGION]` or `counties:REGION`.
    pub fn parse(spec: &str) -> Result<Targets, String> {
        let spec = spec.trim();
        let (head, region) = match spec.split_once(':') {
            Some((h, r)) => (h.trim(), Some(r.trim())),
            None => (spec, None),
        };
        let within = match region {
            None | Some("") => RegionCode::national(),
            Some(r) => RegionCode::parse(r).map_err(|_| format!("目标范围中的区划代码“{r}”无效"))?,
        };
        if within.level() > Level::Prefecture {
            return Err("目标范围应为全国、省或地市".into());
        }
        if head == "counties" {
            if within.level() == Level::National {
                return Err("“全部县”需要指定省或地市，例如 counties:53".into());
            }
            return Ok(Targets::Counties { within });
        }
        if head.is_empty() || !head.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            return Err(format!("无法识别的目标范围“{spec}”，例如 national_key、national_key:53、provincial_key:53、counties:53"));
        }
        Ok(Targets::Designated { kind: head.to_string(), within })
    }

    /// The spec string that parses back to this value.
    pub fn spec(&self) -> String {
        match self {
            Targets::Designated { kind, within } if within.level() == Level::National => kind.clone(),
            Targets::Designated { kind, within } => format!("{kind}:{within}"),
            Targets::Counties { within } => format!("counties:{within}"),
        }
    }

    pub fn within(&self) -> &RegionCode {
        match self {
            Targets::Designated { within, .. } | Targets::Counties { within } => within,
        }
    }
}

/// Whether a county code is an NBS statistical functional zone (开发区, 风景区…:
/// fifth and sixth digits 71–80), which is not an administrative county.
pub fn is_functional_zone(county: &str) -> bool {
    county.len() == 6 && county[4..6].parse::<u8>().is_ok_and(|n| (71..=80).contains(&n))
}

/// Money in 万元 with two decimals from fen (1 万元 = 1,000,000 分).
pub fn format_wan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let f = fen.unsigned_abs();
    // 1 万元 = 10,000 元 = 1,000,000 分; two decimals of 万元 are units of 10,000 分.
    let hundredths = (f + 5_000) / 10_000;
    format!("{sign}{}.{:02}", hundredths / 100, hundredths % 100)
}

/// Parses 万元 as typed (`50`, `12.5`, `0.35`) into fen; at most two decimals.
pub fn parse_wan(s: &str) -> Result<i64, String> {
    let t = s.trim().trim_end_matches("万元").trim();
    if t.is_empty() {
        return Ok(0);
    }
    let bad = || format!("金额应为以万元计、最多两位小数的数字，例如 50 或 12.5，而不是“{}”", s.trim());
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    if int.is_empty() || !int.chars().all(|c| c.is_ascii_digit()) || frac.len() > 2 || !frac.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let int: i64 = int.parse().map_err(|_| bad())?;
    if int > 10_000_000 {
        return Err("金额过大，请核对（单位为万元）".into());
    }
    let frac: i64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
    Ok(int * 1_000_000 + frac * 10_000)
}

/// What an adjustment request (结对调整) asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Add,
    Change,
    End,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Add => "add",
            Op::Change => "change",
            Op::End => "end",
        }
    }

    pub fn parse(s: &str) -> Option<Op> {
        [Op::Add, Op::Change, Op::End].into_iter().find(|o| o.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Op::Add => "新增结对",
            Op::Change => "调整结对对象",
            Op::End => "终止结对",
        }
    }
}

crate::stored_as_text!(Op, "调整事项");

/// Where an adjustment request stands: both departments approve, either rejects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdjustmentStatus {
    Pending,
    Approved,
    Rejected,
}

impl AdjustmentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AdjustmentStatus::Pending => "pending",
            AdjustmentStatus::Approved => "approved",
            AdjustmentStatus::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<AdjustmentStatus> {
        [AdjustmentStatus::Pending, AdjustmentStatus::Approved, AdjustmentStatus::Rejected].into_iter().find(|o| o.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            AdjustmentStatus::Pending => "待审批",
            AdjustmentStatus::Approved => "已批准",
            AdjustmentStatus::Rejected => "已驳回",
        }
    }
}

crate::stored_as_text!(AdjustmentStatus, "调整申请状态");

/// Whether a saved pairing plan (结对方案) is still a draft or was sent as proposals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    Draft,
    Sent,
}

impl PlanStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Draft => "draft",
            PlanStatus::Sent => "sent",
        }
    }

    pub fn parse(s: &str) -> Option<PlanStatus> {
        [PlanStatus::Draft, PlanStatus::Sent].into_iter().find(|o| o.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            PlanStatus::Draft => "草稿",
            PlanStatus::Sent => "已发送",
        }
    }
}

crate::stored_as_text!(PlanStatus, "结对方案状态");

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_proposal_needs_both_consents_in_either_order() {
        let none = Consents::default();
        assert_eq!(advance(Status::Proposed, none, Step::OrgConsent), Ok(Status::Proposed));
        assert_eq!(advance(Status::Proposed, Consents { org: true, county: false }, Step::CountyConsent), Ok(Status::Consented));
        assert_eq!(advance(Status::Proposed, Consents { org: false, county: true }, Step::OrgConsent), Ok(Status::Consented));
        assert!(advance(Status::Proposed, Consents { org: true, county: false }, Step::OrgConsent).is_err());
    }

    #[test]
    fn the_agreement_comes_before_activation_and_closed_pairings_never_move() {
        let c = Consents { org: true, county: true };
        assert!(advance(Status::Proposed, c, Step::Activate).is_err());
        assert!(advance(Status::Consented, c, Step::Activate).is_err());
        assert_eq!(advance(Status::Consented, c, Step::Sign), Ok(Status::Signed));
        assert_eq!(advance(Status::Signed, c, Step::Activate), Ok(Status::Active));
        assert_eq!(advance(Status::Active, c, Step::Replace), Ok(Status::Adjusted));
        for closed in [Status::Adjusted, Status::Ended, Status::Declined, Status::Withdrawn] {
            for step in [Step::OrgConsent, Step::CountyConsent, Step::Sign, Step::Activate, Step::End, Step::Replace] {
                assert!(advance(closed, c, step).is_err(), "{closed:?} {step:?}");
            }
        }
        assert!(advance(Status::Active, c, Step::Decline).is_err());
    }

    #[test]
    fn only_agreed_pairings_cover_a_county() {
        let covering: Vec<Status> = Status::ALL.into_iter().filter(|s| s.covers()).collect();
        assert_eq!(covering, vec![Status::Consented, Status::Signed, Status::Active]);
    }

    #[test]
    fn target_specs_parse_and_print_back() {
        for spec in ["national_key", "national_key:53", "provincial_key:53", "counties:53", "counties:5306"] {
            assert_eq!(Targets::parse(spec).unwrap().spec(), spec);
        }
        assert_eq!(Targets::parse("national_key:530000").unwrap().spec(), "national_key:53");
        assert!(Targets::parse("counties").is_err());
        assert!(Targets::parse("national_key:530628").is_err());
        assert!(Targets::parse("重点县").is_err());
        assert!(is_functional_zone("530171"));
        assert!(!is_functional_zone("530628"));
    }

    #[test]
    fn money_in_wan_yuan() {
        assert_eq!(parse_wan("50").unwrap(), 50_000_000);
        assert_eq!(parse_wan("12.5").unwrap(), 12_500_000);
        assert_eq!(parse_wan("0.35万元").unwrap(), 350_000);
        assert_eq!(parse_wan("").unwrap(), 0);
        assert!(parse_wan("1.234").is_err());
        assert!(parse_wan("-3").is_err());
        assert!(parse_wan("五十").is_err());
        assert_eq!(format_wan(12_500_000), "12.50");
        assert_eq!(format_wan(0), "0.00");
    }

    proptest! {
        #[test]
        fn wan_round_trips(int in 0i64..1_000_000, frac in 0i64..100) {
            let s = format!("{int}.{frac:02}");
            let fen = parse_wan(&s).unwrap();
            prop_assert_eq!(format_wan(fen), s);
        }
    }
}
