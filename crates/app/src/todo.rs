//! 待办: what waits for the caller to act, one count per kind of task, with the
//! page where it is done.
//!
//! Guarantees: a task is counted only when the caller may do it (`authz`, and
//! the configured demand-approval rule): a county's civil-affairs office sees
//! the demands it approves, not every submitted demand it can read; an
//! organisation sees the pairings waiting for its own consent. Counts come
//! from the caller's own scope only.

use crate::{Error, Platform};
use duijie_domain::authz::{Action, Decision, Guarded, Target, decide, decide_demand_approval};
use duijie_domain::{Principal, Role};
use duijie_store::demand::matching;
use duijie_store::pairing::{self, Filter};

/// One kind of task and how many wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub label: &'static str,
    pub count: usize,
    /// Where the tasks are done.
    pub link: &'static str,
}

/// The caller's tasks, in the order a person works through them.
pub async fn of(state: &Platform, who: &Principal) -> Result<Vec<Task>, Error> {
    let scope = who.scope();
    let proposed = Filter { status: "proposed".into(), ..Filter::default() };
    let proposals = pairing::list(&state.db, &scope, &proposed, 500, 0).await?.0;
    if who.role() == Role::Organization {
        let consented = Filter { status: "consented".into(), ..Filter::default() };
        let to_sign = pairing::list(&state.db, &scope, &consented, 500, 0).await?.1;
        let orders = match who.org_id() {
            Some(org) => matching::of_org(&state.db, org).await?.iter().filter(|m| m.status == "pending" && m.initiated_by == "county").count(),
            None => 0,
        };
        return Ok(vec![
            Task { label: "待本组织同意的结对提议", count: proposals.iter().filter(|p| p.org_consent_at.is_none()).count(), link: "/pairing?status=proposed" },
            Task { label: "待签订的结对协议", count: usize::try_from(to_sign).unwrap_or(0), link: "/pairing?status=consented" },
            Task { label: "待确认的点单", count: orders, link: "/demands" },
        ]);
    }
    let region = who.region();
    let submitted = duijie_store::demand::Filter { status: "submitted".into(), ..Default::default() };
    let demands = crate::demand::list(state, &scope, &submitted, 500, 0).await?.0;
    let to_approve = demands.iter().filter(|d| decide_demand_approval(who, &d.unit_region(), state.demand_approval) == Decision::Allow).count();
    let takes = matching::pending_takes_within(&state.db, region).await?.iter().filter(|m| m.decide(who, Action::OrderOffer) == Decision::Allow).count();
    let applications = duijie_store::orgs::awaiting_approval(&state.db, region)
        .await?
        .iter()
        .filter(|o| o.approval == "pending" && o.decide(who, Action::ApproveOrganization) == Decision::Allow)
        .count();
    let adjustments = duijie_store::pairing::adjust::list(&state.db, who, "pending")
        .await?
        .iter()
        .filter(|a| a.decide(who, Action::ApproveAdjustment) == Decision::Allow)
        .filter(|a| if who.role() == Role::CivilAffairs { a.civil_by.is_none() } else { a.rural_by.is_none() })
        .count();
    let consents = proposals.iter().filter(|p| p.county_consent_at.is_none() && p.decide(who, Action::ConsentAsCounty) == Decision::Allow).count();
    let mut tasks = vec![
        Task { label: "待审核发布的需求", count: to_approve, link: "/demands?status=submitted" },
        Task { label: "待确认的承接申请", count: takes, link: "/demands?status=published" },
        Task { label: "待同意的结对提议", count: consents, link: "/pairing?status=proposed" },
        Task { label: "待审批的结对调整", count: adjustments, link: "/pairing/adjustments?status=pending" },
    ];
    if decide(who, Action::ApproveOrganization, Target::Organization { id: 0, region }) == Decision::Allow {
        tasks.push(Task { label: "待审核的入驻申请", count: applications, link: "/orgs/pending" });
    }
    Ok(tasks)
}
