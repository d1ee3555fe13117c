//! Roles and departments: who a user acts as.
//!
//! Guarantees: the set of roles is closed; every role has a stable key (used by the
//! CLI, the API and the database) and a Chinese label. A government role acts for
//! a unit (region + department); the organisation role acts for one organisation.

use serde::{Deserialize, Serialize};

/// What a user may act as. See `authz` for what each may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 系统管理员: manages users and reference data within its region.
    Admin,
    /// 民政部门: registers, rates and supervises organisations.
    CivilAffairs,
    /// 乡村振兴部门: builds the demand library, organises pairing.
    RuralRevitalization,
    /// 业务主管单位: oversees its organisations.
    Supervisor,
    /// 社会组织: acts for one organisation.
    Organization,
}

/// The government department a role belongs to, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Department {
    CivilAffairs,
    RuralRevitalization,
}

impl Role {
    pub const ALL: [Role; 5] =
        [Role::Admin, Role::CivilAffairs, Role::RuralRevitalization, Role::Supervisor, Role::Organization];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::CivilAffairs => "civil_affairs",
            Role::RuralRevitalization => "rural_revitalization",
            Role::Supervisor => "supervisor",
            Role::Organization => "organization",
        }
    }

    /// Parses the stable key; also accepts the British spelling `organisation`.
    pub fn parse(s: &str) -> Option<Role> {
        if s == "organisation" {
            return Some(Role::Organization);
        }
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "系统管理员",
            Role::CivilAffairs => "民政部门",
            Role::RuralRevitalization => "乡村振兴部门",
            Role::Supervisor => "业务主管单位",
            Role::Organization => "社会组织",
        }
    }

    pub fn department(self) -> Option<Department> {
        match self {
            Role::CivilAffairs => Some(Department::CivilAffairs),
            Role::RuralRevitalization => Some(Department::RuralRevitalization),
            _ => None,
        }
    }

    /// Whether the role acts for a government unit (as opposed to an organisation).
    pub fn is_government(self) -> bool {
        !matches!(self, Role::Organization)
    }

    /// One of the two departments that run the work (民政, 乡村振兴).
    pub fn is_department(self) -> bool {
        matches!(self, Role::CivilAffairs | Role::RuralRevitalization)
    }
}

/// The conventional name of a government unit, e.g. 云南省民政厅, 彝良县乡村振兴局.
pub fn unit_name(role: Role, region_full_name: &str, level: crate::Level) -> String {
    let base = if region_full_name.is_empty() { "国家".to_string() } else { region_full_name.to_string() };
    match role {
        Role::CivilAffairs => match level {
            crate::Level::National => "民政部".into(),
            crate::Level::Province => format!("{base}民政厅"),
            _ => format!("{base}民政局"),
        },
        Role::RuralRevitalization => match level {
            crate::Level::National => "国家乡村振兴局".into(),
            _ => format!("{base}乡村振兴局"),
        },
        Role::Admin => format!("{base}平台管理员"),
        Role::Supervisor => format!("{base}业务主管单位"),
        Role::Organization => base,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("organisation"), Some(Role::Organization));
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn unit_names_follow_convention() {
        assert_eq!(unit_name(Role::CivilAffairs, "云南省", crate::Level::Province), "云南省民政厅");
        assert_eq!(unit_name(Role::RuralRevitalization, "云南省昭通市彝良县", crate::Level::County), "云南省昭通市彝良县乡村振兴局");
        assert_eq!(unit_name(Role::CivilAffairs, "", crate::Level::National), "民政部");
    }
}
