//! The recommendation score between a demand and an organisation (or one of
//! its offers), with the reasons a person reads beside it.
//!
//! Guarantees: [`score`] is the only definition of fit between a demand and a
//! supplier; every point of a score comes with a [`Reason`] saying why, so the
//! reasons always add up to the total; a supplier whose fields do not include
//! the demand's field, whose offer does not reach the demand's region, or whose
//! offer has no capacity left is not a candidate at all. Suppliers on a credit
//! list are excluded before scoring (`org::may_take_new_work`), by the caller.

use serde::{Deserialize, Serialize};

/// Where a match between a demand and an organisation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchStatus {
    /// Proposed by one side, waiting for the other.
    Pending,
    Confirmed,
    Declined,
    Cancelled,
}

impl MatchStatus {
    pub const ALL: [MatchStatus; 4] = [MatchStatus::Pending, MatchStatus::Confirmed, MatchStatus::Declined, MatchStatus::Cancelled];

    pub fn as_str(self) -> &'static str {
        match self {
            MatchStatus::Pending => "pending",
            MatchStatus::Confirmed => "confirmed",
            MatchStatus::Declined => "declined",
            MatchStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<MatchStatus> {
        MatchStatus::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The word for the status alone (the audit trail's).
    pub fn label(self) -> &'static str {
        match self {
            MatchStatus::Pending => "待确认",
            MatchStatus::Confirmed => "已确认",
            MatchStatus::Declined => "已谢绝",
            MatchStatus::Cancelled => "已撤回",
        }
    }

    /// The words of a match's page: whom a pending match waits for.
    pub fn label_for(self, by: Initiator) -> &'static str {
        match (self, by) {
            (MatchStatus::Pending, Initiator::Org) => "待县级确认",
            (MatchStatus::Pending, Initiator::County) => "待社会组织确认",
            (MatchStatus::Confirmed, _) => "对接成功",
            (MatchStatus::Declined, _) => "未达成",
            (MatchStatus::Cancelled, _) => "已取消",
        }
    }
}

crate::stored_as_text!(MatchStatus, "对接状态");

/// Which side proposed a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Initiator {
    /// The organisation takes a published demand (接单).
    Org,
    /// The county orders from an organisation or its offer (点单).
    County,
}

impl Initiator {
    pub fn as_str(self) -> &'static str {
        match self {
            Initiator::Org => "org",
            Initiator::County => "county",
        }
    }

    pub fn parse(s: &str) -> Option<Initiator> {
        [Initiator::Org, Initiator::County].into_iter().find(|k| k.as_str() == s)
    }

    /// 接单 or 点单.
    pub fn kind(self) -> &'static str {
        match self {
            Initiator::Org => "接单",
            Initiator::County => "点单",
        }
    }

    /// Who proposed, as the audit trail says it.
    pub fn label(self) -> &'static str {
        match self {
            Initiator::Org => "社会组织（接单）",
            Initiator::County => "县级（点单）",
        }
    }
}

crate::stored_as_text!(Initiator, "对接发起方");

/// Where an offer of the supply library stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfferStatus {
    Published,
    /// Closed by its organisation.
    Closed,
    /// Hidden by an officer, with a reason.
    Hidden,
}

impl OfferStatus {
    pub const ALL: [OfferStatus; 3] = [OfferStatus::Published, OfferStatus::Closed, OfferStatus::Hidden];

    pub fn as_str(self) -> &'static str {
        match self {
            OfferStatus::Published => "published",
            OfferStatus::Closed => "closed",
            OfferStatus::Hidden => "hidden",
        }
    }

    pub fn parse(s: &str) -> Option<OfferStatus> {
        OfferStatus::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            OfferStatus::Published => "发布中",
            OfferStatus::Closed => "已关闭",
            OfferStatus::Hidden => "已下架",
        }
    }
}

crate::stored_as_text!(OfferStatus, "供给状态");

/// Points, each with its reason.
pub const FIELD_FIT: i32 = 40;
pub const PAIRED: i32 = 25;
pub const OFFER_REGION: i32 = 15;
pub const PREFERRED: i32 = 10;
pub const TIE: i32 = 10;
pub const FUNDS_FULL: i32 = 10;
pub const FUNDS_HALF: i32 = 5;
pub const DELIVERY_EACH: i32 = 2;
pub const DELIVERY_MAX: i32 = 10;
pub const SAME_COUNTY: i32 = 10;
pub const SAME_PREFECTURE: i32 = 6;
pub const SAME_PROVINCE: i32 = 3;

/// What the score needs to know of a demand.
#[derive(Debug, Clone, Copy)]
pub struct DemandFacts<'a> {
    /// Natural-length region code of the county, township or village.
    pub region: &'a str,
    pub field: &'a str,
    pub funds_fen: i64,
}

/// What the score needs to know of an organisation, and of its offer if the
/// recommendation is an offer.
#[derive(Debug, Clone, Copy)]
pub struct SupplierFacts<'a> {
    pub org_region: &'a str,
    pub fields: &'a [String],
    /// Preferred provinces or prefectures (结对意愿).
    pub preferred: &'a [String],
    /// Counties it is paired with (agreed, signed or active).
    pub paired_counties: &'a [String],
    /// Its province has an east–west cooperation tie with the demand's.
    pub tie: bool,
    /// Projects it has completed.
    pub delivered: u32,
    pub offer: Option<OfferFacts<'a>>,
}

#[derive(Debug, Clone, Copy)]
pub struct OfferFacts<'a> {
    /// Regions the offer is for; empty means anywhere.
    pub target_regions: &'a [String],
    pub funds_fen: i64,
    /// Demands it can still take.
    pub capacity_left: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    pub label: String,
    pub points: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Score {
    pub total: i32,
    pub reasons: Vec<Reason>,
}

fn wan(fen: i64) -> String {
    crate::pairing::format_wan(fen)
}

/// The score of `s` for `d`, or `None` when `s` is not a candidate.
pub fn score(d: &DemandFacts, s: &SupplierFacts) -> Option<Score> {
    let mut reasons = Vec::new();
    let total = evaluate(d, s, Some(&mut reasons))?;
    Some(Score { total, reasons })
}

/// The total of [`score`] without its reasons (no allocation), for ranking many
/// candidates before explaining the best ones; always equal to `score(d, s).total`.
pub fn total(d: &DemandFacts, s: &SupplierFacts) -> Option<i32> {
    evaluate(d, s, None)
}

/// The one definition of fit: adds each point with its reason when `explain` is given.
fn evaluate(d: &DemandFacts, s: &SupplierFacts, mut explain: Option<&mut Vec<Reason>>) -> Option<i32> {
    if !s.fields.iter().any(|f| f == d.field) {
        return None;
    }
    let mut total = 0;
    let mut add = |points: i32, label: &dyn Fn() -> String| {
        total += points;
        if let Some(r) = explain.as_deref_mut() {
            r.push(Reason { label: label(), points });
        }
    };
    add(FIELD_FIT, &|| format!("业务领域包含“{}”", d.field));
    let county: &str = &d.region[..d.region.len().min(6)];
    if s.paired_counties.iter().any(|c| c == county) {
        add(PAIRED, &|| "已与该县结对帮扶".into());
    }
    let mut funds_known = None;
    if let Some(o) = s.offer {
        if o.capacity_left <= 0 {
            return None;
        }
        if !o.target_regions.is_empty() {
            if !o.target_regions.iter().any(|r| d.region.starts_with(r.as_str())) {
                return None;
            }
            add(OFFER_REGION, &|| "供给项目面向该地区".into());
        }
        funds_known = Some(o.funds_fen);
    }
    if s.preferred.iter().any(|r| !r.is_empty() && d.region.starts_with(r.as_str())) {
        add(PREFERRED, &|| "意向帮扶地区包含该地".into());
    }
    if s.tie {
        add(TIE, &|| "东西部协作结对省份".into());
    }
    if let Some(f) = funds_known.filter(|f| *f > 0 && d.funds_fen > 0) {
        if f >= d.funds_fen {
            add(FUNDS_FULL, &|| format!("可投入资金 {} 万元，不低于需求 {} 万元", wan(f), wan(d.funds_fen)));
        } else if f * 2 >= d.funds_fen {
            add(FUNDS_HALF, &|| format!("可投入资金 {} 万元，达到需求 {} 万元的一半以上", wan(f), wan(d.funds_fen)));
        }
    }
    if s.delivered > 0 {
        add((s.delivered as i32 * DELIVERY_EACH).min(DELIVERY_MAX), &|| format!("已完成 {} 个帮扶项目", s.delivered));
    }
    let common = d.region.chars().zip(s.org_region.chars()).take_while(|(a, b)| a == b).count();
    let near = match (s.org_region.len(), common) {
        (6.., 6..) => Some(("同县社会组织", SAME_COUNTY)),
        (4.., 4..) => Some(("同市（州）社会组织", SAME_PREFECTURE)),
        (2.., 2..) => Some(("同省社会组织", SAME_PROVINCE)),
        _ => None,
    };
    if let Some((label, points)) = near {
        add(points, &|| label.into());
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_reasons_add_up_and_name_what_fits() {
        let fields = strings(&["教育", "健康"]);
        let paired = strings(&["530628"]);
        let preferred = strings(&["53"]);
        let d = DemandFacts { region: "530628101201", field: "教育", funds_fen: 2_000_000 };
        let s = SupplierFacts { org_region: "5306", fields: &fields, preferred: &preferred, paired_counties: &paired, tie: false, delivered: 3, offer: None };
        let sc = score(&d, &s).unwrap();
        let labels: Vec<&str> = sc.reasons.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(labels, vec!["业务领域包含“教育”", "已与该县结对帮扶", "意向帮扶地区包含该地", "已完成 3 个帮扶项目", "同市（州）社会组织"]);
        assert_eq!(sc.total, 40 + 25 + 10 + 6 + 6);
        assert_eq!(sc.total, sc.reasons.iter().map(|r| r.points).sum::<i32>());
        assert_eq!(total(&d, &s), Some(sc.total), "ranking and explaining agree");
    }

    #[test]
    fn suppliers_outside_the_field_region_or_capacity_are_not_candidates() {
        let fields = strings(&["产业"]);
        let none: Vec<String> = Vec::new();
        let d = DemandFacts { region: "530628", field: "教育", funds_fen: 0 };
        let s = SupplierFacts { org_region: "32", fields: &fields, preferred: &none, paired_counties: &none, tie: true, delivered: 0, offer: None };
        assert!(score(&d, &s).is_none(), "no field fit");
        let edu = strings(&["教育"]);
        let guizhou = strings(&["52"]);
        let offer = OfferFacts { target_regions: &guizhou, funds_fen: 10_000_000, capacity_left: 2 };
        let s = SupplierFacts { fields: &edu, offer: Some(offer), ..s };
        assert!(score(&d, &s).is_none(), "the offer is for 贵州");
        let yunnan = strings(&["53"]);
        let full = OfferFacts { target_regions: &yunnan, funds_fen: 10_000_000, capacity_left: 0 };
        assert!(score(&d, &SupplierFacts { offer: Some(full), ..s }).is_none(), "no capacity left");
        let ok = OfferFacts { capacity_left: 1, ..full };
        let sc = score(&DemandFacts { funds_fen: 5_000_000, ..d }, &SupplierFacts { offer: Some(ok), ..s }).unwrap();
        assert_eq!(sc.total, FIELD_FIT + OFFER_REGION + TIE + FUNDS_FULL);
    }
}
