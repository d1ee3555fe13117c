//! The pairing instance: its data, its validation, and the one definition of fit.
//!
//! Guarantees: [`Instance::validate`] accepts exactly the instances the solver can interpret
//! (all indices in range, `min ≤ max`, no duplicate existing pairing, existing pairings of
//! non-excluded organisations within capacity and within each county's maximum);
//! [`Instance::fit`] is the only place the fit of a pair is defined.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Points per shared field, multiplied by the county's need (0–3) in that field.
pub const FIELD_WEIGHT: i64 = 10;
/// Bonus when the county's province is among the organisation's preferred provinces.
pub const PREFERRED_BONUS: i64 = 5;
/// Bonus when the organisation's province has an east–west cooperation tie with the county's.
pub const TIE_BONUS: i64 = 8;

/// One planning problem. Organisations, counties, fields and provinces are referred to by index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    /// Field names (教育, 医疗, …); a field is its index here.
    pub fields: Vec<String>,
    /// Province names; a province is its index here.
    pub provinces: Vec<String>,
    /// East–west cooperation ties: `[organisation's province, county's province]`.
    #[serde(default)]
    pub ties: Vec<[u32; 2]>,
    pub orgs: Vec<Org>,
    pub counties: Vec<County>,
    /// Pairings that already exist: `[organisation index, county index]`.
    #[serde(default)]
    pub existing: Vec<[u32; 2]>,
    /// Organisations excluded (credit lists), by index.
    #[serde(default)]
    pub excluded: Vec<u32>,
}

/// An organisation willing to pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Org {
    pub id: String,
    pub province: u32,
    /// Most counties it can take, existing pairings included.
    pub capacity: u32,
    pub fields: Vec<u32>,
    /// Preferred provinces.
    #[serde(default)]
    pub preferred: Vec<u32>,
    /// Candidate counties (indices); only these pairs may be proposed.
    pub candidates: Vec<u32>,
}

/// A target county.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct County {
    pub id: String,
    pub province: u32,
    /// Fewest organisations it must have, existing pairings included.
    pub min: u32,
    /// Most organisations it may have, existing pairings included.
    pub max: u32,
    /// Need per field (index = field), 0–3; missing entries count as 0.
    pub needs: Vec<u32>,
}

/// Why an instance cannot be interpreted.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InstanceError {
    #[error("{0} 超出范围")]
    OutOfRange(String),
    #[error("县 {county} 的最少组织数 {min} 大于最多组织数 {max}")]
    MinAboveMax { county: String, min: u32, max: u32 },
    #[error("现有结对 {org}–{county} 重复")]
    DuplicateExisting { org: String, county: String },
    #[error("组织 {org} 的现有结对 {existing} 个，超过其容量 {capacity}")]
    OrgOverCapacity {
        org: String,
        existing: u32,
        capacity: u32,
    },
    #[error("县 {county} 的现有结对 {existing} 个，超过其最多组织数 {max}")]
    CountyOverMax {
        county: String,
        existing: u32,
        max: u32,
    },
}

impl Instance {
    /// The fit of pairing organisation `o` with county `c` (see the crate header).
    pub fn fit(&self, o: usize, c: usize) -> i64 {
        let (op, cp) = (self.orgs[o].province, self.counties[c].province);
        self.fit_given_tie(o, c, self.ties.iter().any(|t| t[0] == op && t[1] == cp))
    }

    /// Fit with a precomputed tie matrix (`ties[p_org * provinces + p_county]`), same value as [`Instance::fit`].
    pub(crate) fn fit_fast(&self, tie: &[bool], o: usize, c: usize) -> i64 {
        let (op, cp) = (
            self.orgs[o].province as usize,
            self.counties[c].province as usize,
        );
        self.fit_given_tie(o, c, tie[op * self.provinces.len() + cp])
    }

    /// The one definition of fit, given whether the two provinces are tied.
    fn fit_given_tie(&self, o: usize, c: usize, tied: bool) -> i64 {
        let org = &self.orgs[o];
        let cty = &self.counties[c];
        let mut fit = 0i64;
        for &f in &org.fields {
            fit += FIELD_WEIGHT * i64::from(cty.needs.get(f as usize).copied().unwrap_or(0));
        }
        if org.preferred.contains(&cty.province) {
            fit += PREFERRED_BONUS;
        }
        if tied {
            fit += TIE_BONUS;
        }
        fit
    }

    pub(crate) fn tie_matrix(&self) -> Vec<bool> {
        let p = self.provinces.len();
        let mut m = vec![false; p * p];
        for t in &self.ties {
            m[t[0] as usize * p + t[1] as usize] = true;
        }
        m
    }

    /// Whether organisation `o` is excluded.
    pub fn excluded_mask(&self) -> Vec<bool> {
        let mut m = vec![false; self.orgs.len()];
        for &o in &self.excluded {
            m[o as usize] = true;
        }
        m
    }

    /// Checks that the solver can interpret the instance (see the module header).
    pub fn validate(&self) -> Result<(), InstanceError> {
        let (no, nc, nf, np) = (
            self.orgs.len(),
            self.counties.len(),
            self.fields.len(),
            self.provinces.len(),
        );
        let oor = |what: String| Err(InstanceError::OutOfRange(what));
        for t in &self.ties {
            if t[0] as usize >= np || t[1] as usize >= np {
                return oor(format!("协作关系 {t:?} 的省份"));
            }
        }
        for org in &self.orgs {
            if org.province as usize >= np || org.preferred.iter().any(|&p| p as usize >= np) {
                return oor(format!("组织 {} 的省份", org.id));
            }
            if org.fields.iter().any(|&f| f as usize >= nf) {
                return oor(format!("组织 {} 的领域", org.id));
            }
            if org.candidates.iter().any(|&c| c as usize >= nc) {
                return oor(format!("组织 {} 的候选县", org.id));
            }
        }
        for c in &self.counties {
            if c.province as usize >= np {
                return oor(format!("县 {} 的省份", c.id));
            }
            if c.min > c.max {
                return Err(InstanceError::MinAboveMax {
                    county: c.id.clone(),
                    min: c.min,
                    max: c.max,
                });
            }
        }
        if let Some(&o) = self.excluded.iter().find(|&&o| o as usize >= no) {
            return oor(format!("排除名单中的组织序号 {o}"));
        }
        let excluded = self.excluded_mask();
        let mut seen = std::collections::HashSet::new();
        let mut per_org = vec![0u32; no];
        let mut per_cty = vec![0u32; nc];
        for e in &self.existing {
            let (o, c) = (e[0] as usize, e[1] as usize);
            if o >= no || c >= nc {
                return oor(format!("现有结对 {e:?}"));
            }
            if !seen.insert((o, c)) {
                return Err(InstanceError::DuplicateExisting {
                    org: self.orgs[o].id.clone(),
                    county: self.counties[c].id.clone(),
                });
            }
            if !excluded[o] {
                per_org[o] += 1;
                per_cty[c] += 1;
            }
        }
        for (o, org) in self.orgs.iter().enumerate() {
            if per_org[o] > org.capacity {
                return Err(InstanceError::OrgOverCapacity {
                    org: org.id.clone(),
                    existing: per_org[o],
                    capacity: org.capacity,
                });
            }
        }
        for (c, cty) in self.counties.iter().enumerate() {
            if per_cty[c] > cty.max {
                return Err(InstanceError::CountyOverMax {
                    county: cty.id.clone(),
                    existing: per_cty[c],
                    max: cty.max,
                });
            }
        }
        Ok(())
    }
}
