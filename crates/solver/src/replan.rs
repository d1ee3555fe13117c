//! Re-optimising a saved plan after an interactive edit, from the previous optimum.
//!
//! Guarantees: a [`Planner`] holds an instance and an optimal solver state for it.
//! [`Planner::apply`] changes the instance by exactly the [`Edit`] (or by nothing, with an
//! [`EditError`], when the edit is impossible) and returns what [`crate::solve`] returns on the
//! edited instance: the same objective, the same uncovered counties and shortfall when no plan
//! meets every minimum. It gets there from the previous optimum: the edit is applied to the flow
//! (a pair that must go loses its unit, an organisation over its new capacity or a county over
//! its new maximum gives up its worst-fit pairs), then negative cycles of the residual graph are
//! cancelled from the previous potentials until none is left (see `pairing::Ssp::reoptimise`).
//! Edits the incremental path does not cover (an excluded organisation; one that had no room
//! left when the planner was built and gains some) are solved from scratch, with the same result.

use crate::instance::{Instance, InstanceError};
use crate::pairing::{self, FLOW, GONE, Outcome, Pair, Ssp};
use thiserror::Error;

/// One interactive change to a plan's instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// Forbid the pair: the county leaves the organisation's candidates (and the existing
    /// pairings, when the pair is one).
    RemovePair { org: u32, county: u32 },
    /// Fix the pair in the plan: it becomes an existing pairing (within the organisation's
    /// capacity and the county's maximum).
    AddPair { org: u32, county: u32 },
    /// Change an organisation's capacity (not below its existing pairings).
    SetCapacity { org: u32, capacity: u32 },
}

/// Why an edit cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EditError {
    #[error("组织 {org} 与县 {county} 既不是候选结对也不是现有结对")]
    NoSuchPair { org: String, county: String },
    #[error("组织 {org} 与县 {county} 已经结对")]
    AlreadyPaired { org: String, county: String },
    #[error(transparent)]
    Instance(#[from] InstanceError),
}

/// An instance with its optimal solver state, ready for edits.
pub struct Planner {
    inst: Instance,
    s: Ssp,
}

impl Planner {
    /// Solves `inst` from scratch.
    pub fn new(inst: Instance) -> Result<Self, InstanceError> {
        let s = pairing::solved(&inst)?;
        Ok(Planner { inst, s })
    }

    pub fn instance(&self) -> &Instance {
        &self.inst
    }

    /// The optimal plan of the current instance, or why there is none.
    pub fn outcome(&self) -> Outcome {
        pairing::outcome(&self.inst, &self.s)
    }

    /// Applies `edit` and re-optimises (see the module header).
    pub fn apply(&mut self, edit: Edit) -> Result<Outcome, EditError> {
        let (no, nc) = (self.inst.orgs.len(), self.inst.counties.len());
        let (o, c) = match edit {
            Edit::RemovePair { org, county } | Edit::AddPair { org, county } => (org, county),
            Edit::SetCapacity { org, .. } => (org, 0),
        };
        if o as usize >= no || (c as usize >= nc && !matches!(edit, Edit::SetCapacity { .. })) {
            return Err(InstanceError::OutOfRange(format!("编辑 {edit:?} 的序号")).into());
        }
        let (ou, cu) = (o as usize, c as usize);
        let excluded = self.inst.excluded.contains(&o);
        let names = |inst: &Instance| {
            (
                inst.orgs[ou].id.clone(),
                inst.counties
                    .get(cu)
                    .map_or_else(String::new, |k| k.id.clone()),
            )
        };
        let kept_o = self.inst.orgs[ou].capacity - self.s.p.rem_cap[ou];
        let incremental = match edit {
            Edit::RemovePair { .. } => {
                let existing = self.inst.existing.contains(&[o, c]);
                if !existing && !self.inst.orgs[ou].candidates.contains(&c) {
                    let (org, county) = names(&self.inst);
                    return Err(EditError::NoSuchPair { org, county });
                }
                self.inst.existing.retain(|e| *e != [o, c]);
                self.inst.orgs[ou].candidates.retain(|&x| x != c);
                !excluded && (!existing || self.s.listed(ou)) && self.remove_pair(ou, cu, existing)
            }
            Edit::AddPair { .. } => {
                if self.inst.existing.contains(&[o, c]) {
                    let (org, county) = names(&self.inst);
                    return Err(EditError::AlreadyPaired { org, county });
                }
                if !excluded {
                    let cty = &self.inst.counties[cu];
                    if kept_o + 1 > self.inst.orgs[ou].capacity {
                        return Err(InstanceError::OrgOverCapacity {
                            org: self.inst.orgs[ou].id.clone(),
                            existing: kept_o + 1,
                            capacity: self.inst.orgs[ou].capacity,
                        }
                        .into());
                    }
                    let kept_c = cty.max - self.s.p.rem_max[cu];
                    if kept_c + 1 > cty.max {
                        return Err(InstanceError::CountyOverMax {
                            county: cty.id.clone(),
                            existing: kept_c + 1,
                            max: cty.max,
                        }
                        .into());
                    }
                }
                self.inst.existing.push([o, c]);
                !excluded && self.add_pair(ou, cu)
            }
            Edit::SetCapacity { capacity, .. } => {
                if !excluded && capacity < kept_o {
                    return Err(InstanceError::OrgOverCapacity {
                        org: self.inst.orgs[ou].id.clone(),
                        existing: kept_o,
                        capacity,
                    }
                    .into());
                }
                self.inst.orgs[ou].capacity = capacity;
                // An excluded organisation takes no part whatever its capacity.
                excluded || self.set_capacity(ou, capacity - kept_o)
            }
        };
        if incremental {
            self.s.reoptimise();
        } else {
            self.s = pairing::solved(&self.inst)?;
        }
        Ok(self.outcome())
    }

    /// The worst-fit arc of organisation `o` that carries flow.
    fn worst_of(&self, o: usize) -> Option<usize> {
        let p = &self.s.p;
        (p.org_start[o] as usize..p.org_start[o + 1] as usize)
            .filter(|&a| self.s.flow[a] == FLOW)
            .max_by_key(|&a| (p.arc_cost[a], a))
    }

    fn remove_pair(&mut self, o: usize, c: usize, existing: bool) -> bool {
        let s = &mut self.s;
        if existing {
            s.p.kept
                .retain(|k| (k.org as usize, k.county as usize) != (o, c));
            s.p.rem_cap[o] += 1;
            s.revive(o);
            s.p.rem_max[c] += 1;
            let kept_c = self.inst.counties[c].max - s.p.rem_max[c];
            s.p.rem_min[c] = self.inst.counties[c].min.saturating_sub(kept_c);
            s.resplit(c);
        } else if let Some(a) = s.arc(o, c as u32) {
            if s.flow[a] == FLOW {
                s.drop_flow(a);
            }
            s.flow[a] = GONE;
            s.revive(o);
        }
        true
    }

    fn add_pair(&mut self, o: usize, c: usize) -> bool {
        let fit = self.inst.fit(o, c);
        let s = &mut self.s;
        s.p.kept.push(Pair {
            org: o as u32,
            county: c as u32,
            fit,
            existing: true,
        });
        if let Some(a) = s.arc(o, c as u32) {
            if s.flow[a] == FLOW {
                s.drop_flow(a);
            }
            s.flow[a] = GONE;
        }
        s.p.rem_cap[o] -= 1;
        if s.used_of(o) > s.p.rem_cap[o] {
            let a = self
                .worst_of(o)
                .expect("an organisation over capacity carries flow");
            self.s.drop_flow(a);
        }
        // The arc is gone and the capacity lower: the organisation may be full now.
        self.s.revive(o);
        let s = &mut self.s;
        s.p.rem_max[c] -= 1;
        s.p.rem_min[c] = s.p.rem_min[c].saturating_sub(1);
        if s.x_min[c] + s.x_ext[c] > s.p.rem_max[c] {
            let a = s.worst_in(c).expect("a county over its maximum has flow") as usize;
            s.drop_flow(a);
        }
        s.resplit(c);
        true
    }

    fn set_capacity(&mut self, o: usize, rem: u32) -> bool {
        if rem > self.s.p.rem_cap[o] && !self.s.listed(o) {
            return false;
        }
        self.s.p.rem_cap[o] = rem;
        while self.s.used_of(o) > rem {
            let a = self
                .worst_of(o)
                .expect("an organisation over capacity carries flow");
            self.s.drop_flow(a);
        }
        self.s.revive(o);
        true
    }
}
