//! The one authorisation decision.
//!
//! Guarantees:
//! - Deny by default: an (action, target) pair not listed below is `NotFound`.
//! - A record outside the caller's scope answers `NotFound`, never `Forbidden`,
//!   so that ids cannot be probed; `Forbidden` is only said about records the
//!   caller may already see.
//! - A [`Scope`] is derived from a [`Principal`] and from nothing else; storage
//!   queries that list or load records take a `Scope` and filter in SQL.
//!
//! Who sees what:
//! - Government roles (admin, civil affairs, rural revitalisation, supervising
//!   unit) see their unit's region subtree.
//! - Organisation users see their own organisation; the region tree is public
//!   reference data to them (they look for counties to help), read-only.

use crate::{Level, RegionCode, Role};

/// The authenticated actor, built only from a verified session or token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: i64,
    pub username: String,
    pub role: Role,
    /// The unit's region (for organisation users: the organisation's registering region).
    pub region: RegionCode,
    /// The organisation this user acts for, for the organisation role.
    pub org_id: Option<i64>,
}

/// What a principal may list: a region subtree and/or one organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    region: Option<RegionCode>,
    org_id: Option<i64>,
}

impl Principal {
    /// The listing scope of this principal.
    pub fn scope(&self) -> Scope {
        if self.role.is_government() {
            Scope { region: Some(self.region.clone()), org_id: None }
        } else {
            Scope { region: None, org_id: self.org_id }
        }
    }
}

impl Scope {
    /// Region prefix whose subtree is visible, if any.
    pub fn region(&self) -> Option<&RegionCode> {
        self.region.as_ref()
    }

    /// The organisation whose records are visible, if any.
    pub fn org_id(&self) -> Option<i64> {
        self.org_id
    }

    /// A SQL `LIKE` pattern for region codes in scope; `None` means no region is in scope.
    pub fn region_like(&self) -> Option<String> {
        self.region.as_ref().map(|r| format!("{}%", r.as_str()))
    }

    /// Whether a region-owned record at `code` is in scope.
    pub fn covers_region(&self, code: &RegionCode) -> bool {
        self.region.as_ref().is_some_and(|r| r.contains(code))
    }
}

/// Everything a user can try to do. Grows with each capability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    ViewRegion,
    EditDesignation,
    ViewUser,
    ManageUser,
    ViewAudit,
    ViewOrganization,
    EditOrganization,
    /// The public profile (name, type, fields, rating): anyone logged in.
    ViewOrgPublic,
    /// Put on or take off a credit list.
    SetCreditList,
    /// Approve or return a self-application.
    ApproveOrganization,
    /// Enrol an organisation in an action.
    Enrol,
    /// See enrolments and export the liaison list (联络清单) of a region.
    ViewEnrolments,
    /// Add or remove liaison officers of a prefecture or county.
    ManageLiaison,
}

impl Action {
    pub const ALL: [Action; 13] = [
        Action::ViewRegion,
        Action::EditDesignation,
        Action::ViewUser,
        Action::ManageUser,
        Action::ViewAudit,
        Action::ViewOrganization,
        Action::EditOrganization,
        Action::ViewOrgPublic,
        Action::SetCreditList,
        Action::ApproveOrganization,
        Action::Enrol,
        Action::ViewEnrolments,
        Action::ManageLiaison,
    ];
}

/// The record an action is about, reduced to what the decision needs.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// A region node (its page, its designations, the audit rows of its units).
    Region(&'a RegionCode),
    /// A user account, by its unit's region and organisation.
    User { region: &'a RegionCode, org_id: Option<i64> },
    /// An organisation, by id and registering region.
    Organization { id: i64, region: &'a RegionCode },
}

/// The answer: allowed, visible but not permitted, or invisible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Forbidden,
    NotFound,
}

impl Decision {
    pub fn is_allowed(self) -> bool {
        self == Decision::Allow
    }
}

/// Decides whether `who` may do `action` on `target`.
pub fn decide(who: &Principal, action: Action, target: Target<'_>) -> Decision {
    use Decision::*;
    let gov = who.role.is_government();
    let in_subtree = |r: &RegionCode| gov && who.region.contains(r);
    let permitted = |yes: bool| if yes { Allow } else { Forbidden };

    match (action, target) {
        (Action::ViewRegion, Target::Region(r)) => {
            if who.role == Role::Organization || in_subtree(r) { Allow } else { NotFound }
        }
        (Action::EditDesignation, Target::Region(r)) => {
            if decide(who, Action::ViewRegion, target) != Allow {
                return NotFound;
            }
            // Designations are set by notice at provincial or national level.
            permitted(in_subtree(r) && match who.role {
                Role::Admin => true,
                Role::RuralRevitalization => who.region.level() <= Level::Province,
                _ => false,
            })
        }
        (Action::ViewAudit, Target::Region(r)) => {
            if !in_subtree(r) {
                return if who.role == Role::Organization { Forbidden } else { NotFound };
            }
            permitted(who.role == Role::Admin)
        }
        (Action::ViewUser | Action::ManageUser, Target::User { region, .. }) => {
            if who.role == Role::Admin && who.region.contains(region) { Allow } else { NotFound }
        }
        (Action::ViewOrganization, Target::Organization { id, region }) => {
            if in_subtree(region) || who.org_id == Some(id) { Allow } else { NotFound }
        }
        (Action::EditOrganization, Target::Organization { id, region }) => {
            if decide(who, Action::ViewOrganization, target) != Allow {
                return NotFound;
            }
            let own = who.role == Role::Organization && who.org_id == Some(id);
            permitted(own || (in_subtree(region) && matches!(who.role, Role::Admin | Role::CivilAffairs)))
        }
        (Action::ViewOrgPublic, Target::Organization { .. }) => Allow,
        (Action::SetCreditList | Action::ApproveOrganization, Target::Organization { region, .. }) => {
            if decide(who, Action::ViewOrganization, target) != Allow {
                return NotFound;
            }
            permitted(in_subtree(region) && matches!(who.role, Role::Admin | Role::CivilAffairs))
        }
        (Action::Enrol, Target::Organization { id, region }) => {
            if decide(who, Action::ViewOrganization, target) != Allow {
                return NotFound;
            }
            let own = who.role == Role::Organization && who.org_id == Some(id);
            permitted(own || (in_subtree(region) && matches!(who.role, Role::Admin | Role::CivilAffairs)))
        }
        (Action::ViewEnrolments, Target::Region(r)) => {
            if who.role == Role::Organization {
                return Forbidden;
            }
            if in_subtree(r) { Allow } else { NotFound }
        }
        (Action::ManageLiaison, Target::Region(r)) => {
            if decide(who, Action::ViewRegion, target) != Allow {
                return NotFound;
            }
            permitted(in_subtree(r) && matches!(who.role, Role::Admin | Role::CivilAffairs | Role::RuralRevitalization))
        }
        _ => NotFound,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Decision::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    fn principal(role: Role, region: &str, org: Option<i64>) -> Principal {
        Principal { user_id: 1, username: "u".into(), role, region: code(region), org_id: org }
    }

    /// Roles × actions × {in scope, out of scope}, each answer written out by hand.
    ///
    /// The principals: a provincial officer of Yunnan (53), or the organisation 7
    /// registered in Yunnan. "In scope" targets lie in 彝良县 (530628) / are org 7;
    /// "out of scope" targets lie in 贵州 (52) / are org 8.
    #[test]
    fn every_role_action_and_scope_has_the_expected_answer() {
        let inside = code("530628");
        let outside = code("520102");
        #[rustfmt::skip]
        let table: &[(Role, Action, Decision, Decision)] = &[
            // role                      action                     in scope   out of scope
            (Role::Admin,               Action::ViewRegion,        Allow,     NotFound),
            (Role::Admin,               Action::EditDesignation,   Allow,     NotFound),
            (Role::Admin,               Action::ViewUser,          Allow,     NotFound),
            (Role::Admin,               Action::ManageUser,        Allow,     NotFound),
            (Role::Admin,               Action::ViewAudit,         Allow,     NotFound),
            (Role::Admin,               Action::ViewOrganization,  Allow,     NotFound),
            (Role::Admin,               Action::EditOrganization,  Allow,     NotFound),
            (Role::Admin,               Action::ViewOrgPublic,     Allow,     Allow),
            (Role::Admin,               Action::SetCreditList,     Allow,     NotFound),
            (Role::Admin,               Action::ApproveOrganization, Allow,   NotFound),
            (Role::Admin,               Action::Enrol,             Allow,     NotFound),
            (Role::Admin,               Action::ViewEnrolments,    Allow,     NotFound),
            (Role::Admin,               Action::ManageLiaison,     Allow,     NotFound),
            (Role::CivilAffairs,        Action::ViewRegion,        Allow,     NotFound),
            (Role::CivilAffairs,        Action::EditDesignation,   Forbidden, NotFound),
            (Role::CivilAffairs,        Action::ViewUser,          NotFound,  NotFound),
            (Role::CivilAffairs,        Action::ManageUser,        NotFound,  NotFound),
            (Role::CivilAffairs,        Action::ViewAudit,         Forbidden, NotFound),
            (Role::CivilAffairs,        Action::ViewOrganization,  Allow,     NotFound),
            (Role::CivilAffairs,        Action::EditOrganization,  Allow,     NotFound),
            (Role::CivilAffairs,        Action::ViewOrgPublic,     Allow,     Allow),
            (Role::CivilAffairs,        Action::SetCreditList,     Allow,     NotFound),
            (Role::CivilAffairs,        Action::ApproveOrganization, Allow,   NotFound),
            (Role::CivilAffairs,        Action::Enrol,             Allow,     NotFound),
            (Role::CivilAffairs,        Action::ViewEnrolments,    Allow,     NotFound),
            (Role::CivilAffairs,        Action::ManageLiaison,     Allow,     NotFound),
            (Role::RuralRevitalization, Action::ViewRegion,        Allow,     NotFound),
            (Role::RuralRevitalization, Action::EditDesignation,   Allow,     NotFound),
            (Role::RuralRevitalization, Action::ViewUser,          NotFound,  NotFound),
            (Role::RuralRevitalization, Action::ManageUser,        NotFound,  NotFound),
            (Role::RuralRevitalization, Action::ViewAudit,         Forbidden, NotFound),
            (Role::RuralRevitalization, Action::ViewOrganization,  Allow,     NotFound),
            (Role::RuralRevitalization, Action::EditOrganization,  Forbidden, NotFound),
            (Role::RuralRevitalization, Action::ViewOrgPublic,     Allow,     Allow),
            (Role::RuralRevitalization, Action::SetCreditList,     Forbidden, NotFound),
            (Role::RuralRevitalization, Action::ApproveOrganization, Forbidden, NotFound),
            (Role::RuralRevitalization, Action::Enrol,             Forbidden, NotFound),
            (Role::RuralRevitalization, Action::ViewEnrolments,    Allow,     NotFound),
            (Role::RuralRevitalization, Action::ManageLiaison,     Allow,     NotFound),
            (Role::Supervisor,          Action::ViewRegion,        Allow,     NotFound),
            (Role::Supervisor,          Action::EditDesignation,   Forbidden, NotFound),
            (Role::Supervisor,          Action::ViewUser,          NotFound,  NotFound),
            (Role::Supervisor,          Action::ManageUser,        NotFound,  NotFound),
            (Role::Supervisor,          Action::ViewAudit,         Forbidden, NotFound),
            (Role::Supervisor,          Action::ViewOrganization,  Allow,     NotFound),
            (Role::Supervisor,          Action::EditOrganization,  Forbidden, NotFound),
            (Role::Supervisor,          Action::ViewOrgPublic,     Allow,     Allow),
            (Role::Supervisor,          Action::SetCreditList,     Forbidden, NotFound),
            (Role::Supervisor,          Action::ApproveOrganization, Forbidden, NotFound),
            (Role::Supervisor,          Action::Enrol,             Forbidden, NotFound),
            (Role::Supervisor,          Action::ViewEnrolments,    Allow,     NotFound),
            (Role::Supervisor,          Action::ManageLiaison,     Forbidden, NotFound),
            (Role::Organization,        Action::ViewRegion,        Allow,     Allow),
            (Role::Organization,        Action::EditDesignation,   Forbidden, Forbidden),
            (Role::Organization,        Action::ViewUser,          NotFound,  NotFound),
            (Role::Organization,        Action::ManageUser,        NotFound,  NotFound),
            (Role::Organization,        Action::ViewAudit,         Forbidden, Forbidden),
            (Role::Organization,        Action::ViewOrganization,  Allow,     NotFound),
            (Role::Organization,        Action::EditOrganization,  Allow,     NotFound),
            (Role::Organization,        Action::ViewOrgPublic,     Allow,     Allow),
            (Role::Organization,        Action::SetCreditList,     Forbidden, NotFound),
            (Role::Organization,        Action::ApproveOrganization, Forbidden, NotFound),
            (Role::Organization,        Action::Enrol,             Allow,     NotFound),
            (Role::Organization,        Action::ViewEnrolments,    Forbidden, Forbidden),
            (Role::Organization,        Action::ManageLiaison,     Forbidden, Forbidden),
        ];
        assert_eq!(table.len(), Role::ALL.len() * Action::ALL.len(), "the table must cover every pair");
        for &(role, action, want_in, want_out) in table {
            let who = principal(role, "53", (role == Role::Organization).then_some(7));
            for (region, org, want, label) in [(&inside, 7, want_in, "in"), (&outside, 8, want_out, "out")] {
                let target = match action {
                    Action::ViewRegion | Action::EditDesignation | Action::ViewAudit | Action::ViewEnrolments | Action::ManageLiaison => {
                        Target::Region(region)
                    }
                    Action::ViewUser | Action::ManageUser => Target::User { region, org_id: None },
                    Action::ViewOrganization
                    | Action::EditOrganization
                    | Action::ViewOrgPublic
                    | Action::SetCreditList
                    | Action::ApproveOrganization
                    | Action::Enrol => Target::Organization { id: org, region },
                };
                assert_eq!(decide(&who, action, target), want, "{role:?} {action:?} {label} scope");
            }
        }
    }

    #[test]
    fn a_county_officer_cannot_edit_designations_even_of_its_own_county() {
        let who = principal(Role::RuralRevitalization, "530628", None);
        assert_eq!(decide(&who, Action::EditDesignation, Target::Region(&code("530628"))), Forbidden);
        assert_eq!(decide(&who, Action::ViewRegion, Target::Region(&code("530628101"))), Allow);
        assert_eq!(decide(&who, Action::ViewRegion, Target::Region(&code("5306"))), NotFound);
    }

    #[test]
    fn mismatched_targets_are_denied() {
        let who = principal(Role::Admin, "000000", None);
        let r = code("53");
        assert_eq!(decide(&who, Action::ViewRegion, Target::User { region: &r, org_id: None }), NotFound);
        assert_eq!(decide(&who, Action::ManageUser, Target::Region(&r)), NotFound);
        assert_eq!(decide(&who, Action::ViewAudit, Target::Organization { id: 1, region: &r }), NotFound);
    }

    #[test]
    fn scopes_follow_the_role() {
        let officer = principal(Role::CivilAffairs, "5306", None);
        assert_eq!(officer.scope().region_like().as_deref(), Some("5306%"));
        assert!(officer.scope().covers_region(&code("530628")));
        assert!(!officer.scope().covers_region(&code("5305")));
        let org = principal(Role::Organization, "53", Some(7));
        assert_eq!(org.scope().region_like(), None);
        assert_eq!(org.scope().org_id(), Some(7));
        assert!(!org.scope().covers_region(&code("53")));
    }
}
