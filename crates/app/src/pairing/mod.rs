//! Pairing (结对帮扶): who may see and act on a pairing, reading what people
//! type about pairings, and the adjustment requests after a list is published.
//!
//! Guarantees: a pairing or an adjustment request the caller may not see
//! answers 404 whatever the operation ([`visible`], [`adjustment_visible`]);
//! an adjustment is requested only where `authz::decide(RequestAdjustment, …)`
//! allows (an organisation only for itself) and decided only by the
//! departments of the level that issued the list (`ApproveAdjustment`); a
//! store refusal comes back as a whole-form problem ([`form_error`]) with
//! nothing written. Proposing, steps, agreements, batches, coverage and plans
//! are in [`ops`].

mod ops;
pub mod team;
pub use ops::*;

use crate::{Error, require};
use duijie_domain::authz::{Action, Guarded, Target, decide};
use duijie_domain::pairing::Targets;
use duijie_domain::{Level, Principal, RegionCode, Role};
use duijie_store::pairing::adjust::{self, Adjustment, NewAdjustment, Op, Upload};
use duijie_store::pairing::plan::Params;
use duijie_store::pairing::{self, Pairing};
use duijie_store::regions::RegionTree;
use duijie_store::{Actor, Db};

/// A store refusal shown on the form as a whole-form problem.
pub fn form_error(e: duijie_store::Error) -> Error {
    match e {
        duijie_store::Error::Invalid(m) | duijie_store::Error::Conflict(m) => Error::field("form", m),
        other => other.into(),
    }
}

/// Whether `who` may do `action` to `p`.
pub fn may(who: &Principal, action: Action, p: &Pairing) -> bool {
    p.decide(who, action).is_allowed()
}

/// Loads a pairing the caller may see (404 otherwise).
pub async fn visible(db: &Db, who: &Principal, id: i64) -> Result<Pairing, Error> {
    crate::open(pairing::get(db, id).await?, who, Action::ViewPairing)
}


/// Reads a list of regions typed as names (云南、昭通市、彝良县), full names as the
/// platform shows them (云南省昭通市) or codes (53、5306), provinces down to
/// `deepest`; each must name exactly one region.
pub fn parse_regions(tree: &RegionTree, input: &str, deepest: Level) -> Result<Vec<RegionCode>, String> {
    let allowed = |l: Level| l != Level::National && l <= deepest;
    let mut out = Vec::new();
    for part in input.split(['、', ',', '，', ';', '；', ' ']).map(str::trim).filter(|s| !s.is_empty()) {
        let code = if part.chars().all(|c| c.is_ascii_digit()) {
            RegionCode::parse(part).map_err(|_| format!("“{part}”不是有效的区划代码"))?
        } else {
            let hits: Vec<_> = tree
                .search(part, &RegionCode::national(), 50)
                .into_iter()
                .filter(|n| allowed(n.level) && (n.name == part || n.full_name == part || n.name.starts_with(part)))
                .collect();
            let exact: Vec<_> = hits.iter().copied().filter(|n| n.name == part || n.full_name == part).collect();
            match (exact.as_slice(), hits.as_slice()) {
                ([one], _) | ([], [one]) => one.code.clone(),
                (_, []) => return Err(format!("找不到地区“{part}”")),
                _ => return Err(format!("“{part}”不唯一，请写全称或区划代码")),
            }
        };
        if !allowed(code.level()) || tree.get(&code).is_none() {
            return Err(format!("“{part}”应为{}", if deepest == Level::Prefecture { "省或地市" } else { "省、地市或县" }));
        }
        if !out.contains(&code) {
            out.push(code);
        }
    }
    Ok(out)
}

/// The provinces and prefectures an organisation prefers to help (its intent).
pub fn parse_preferred(tree: &RegionTree, input: &str) -> Result<Vec<RegionCode>, String> {
    parse_regions(tree, input, Level::Prefecture)
}

/// A target set as people read it: 云南省国家乡村振兴重点帮扶县.
pub fn targets_label(tree: &RegionTree, t: &Targets) -> String {
    let place = tree.full_name(t.within());
    match t {
        Targets::Designated { kind, .. } => {
            let k = duijie_store::designations::BUILTIN_KINDS.iter().find(|(key, _, _)| key == kind).map(|(_, n, _)| n.to_string()).unwrap_or(kind.clone());
            format!("{place}{k}")
        }
        Targets::Counties { .. } => format!("{place}全部县（市、区）"),
    }
}

/// The planner's per-county bounds as typed (empty takes the default).
pub fn parse_params(min: &str, max: &str) -> Result<Params, Error> {
    let d = Params::default();
    let num = |s: &str, dflt: u32, field: &str| -> Result<u32, Error> {
        if s.trim().is_empty() {
            return Ok(dflt);
        }
        s.trim().parse::<u32>().ok().filter(|n| *n <= 50).ok_or_else(|| Error::field(field, "应为 0–50 的整数"))
    };
    let p = Params { min: num(min, d.min, "min")?, max: num(max, d.max, "max")? };
    if p.min > p.max {
        return Err(Error::field("max", "每县最多组织数不能小于最少组织数"));
    }
    Ok(p)
}

/// A request the caller may see: its own organisation's, one it may approve,
/// or one whose target or organisation lies in its subtree (404 otherwise).
pub async fn adjustment_visible(db: &Db, who: &Principal, id: i64) -> Result<Adjustment, Error> {
    crate::open(adjust::get(db, id).await?, who, Action::ViewAdjustment)
}

/// Checks and submits an adjustment request for `who`.
pub async fn submit_adjustment(db: &Db, who: &Principal, actor: &Actor, n: NewAdjustment, files: &[Upload<'_>]) -> Result<i64, Error> {
    let region = match (n.op, n.pairing_id) {
        (Op::Add, _) => n.region.clone().ok_or_else(|| Error::field("region", "请填写新增结对地区的区划代码"))?,
        (_, Some(pid)) => {
            let p = visible(db, who, pid).await?;
            if who.role() == Role::Organization && who.org_id() != Some(p.org_id) {
                return Err(Error::Forbidden);
            }
            p.target().clone()
        }
        _ => return Err(Error::field("pairing_id", "请选择要调整的结对")),
    };
    require(decide(who, Action::RequestAdjustment, Target::Region(&region)))?;
    if n.op == Op::Add && who.role() == Role::Organization && who.org_id() != Some(n.org_id) {
        return Err(Error::field("credit_code", "社会组织只能为本组织申请"));
    }
    let mut tx = db.begin().await?;
    let id = adjust::request(&mut tx, actor, &n, files).await.map_err(form_error)?;
    tx.commit().await?;
    Ok(id)
}

/// Approves (one department) or rejects an adjustment request.
pub async fn decide_adjustment(db: &Db, who: &Principal, actor: &Actor, id: i64, approve: bool, reason: &str) -> Result<Adjustment, Error> {
    let a = adjustment_visible(db, who, id).await?;
    require(decide(who, Action::ApproveAdjustment, Target::Region(&a.batch_region)))?;
    let mut tx = db.begin().await?;
    let after = if approve { adjust::approve(&mut tx, actor, who.role(), id, duijie_store::now()).await? } else { adjust::reject(&mut tx, actor, id, reason).await? };
    tx.commit().await?;
    Ok(after)
}

#[cfg(test)]
mod tests {
    use super::*;
    use duijie_store::regions::RegionRow;

    fn tree() -> RegionTree {
        let row = |code: &str, name: &str, level: &str| RegionRow { code: code.into(), name: name.into(), level: level.into(), parent_code: String::new() };
        RegionTree::from_rows(vec![row("53", "云南省", "province"), row("5306", "昭通市", "prefecture"), row("530628", "彝良县", "county"), row("530627", "镇雄县", "county")])
    }

    #[test]
    fn regions_are_read_as_short_names_full_names_or_codes() {
        let t = tree();
        let codes = |input: &str| parse_regions(&t, input, Level::County).map(|v| v.iter().map(|c| c.to_string()).collect::<Vec<_>>());
        // The form the platform itself displays is accepted back.
        assert_eq!(codes("云南省昭通市、彝良县、530627"), Ok(vec!["5306".to_string(), "530628".into(), "530627".into()]));
        assert_eq!(codes("云南省昭通市彝良县"), Ok(vec!["530628".to_string()]));
        assert!(codes("昭通").is_ok_and(|v| v == vec!["5306".to_string()]));
        assert_eq!(codes("不存在县"), Err("找不到地区“不存在县”".to_string()));
    }
}
