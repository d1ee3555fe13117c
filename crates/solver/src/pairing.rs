//! The exact pairing solver and its infeasibility diagnosis.
//!
//! Model (the same as [`network`], which is what the DIMACS file contains): source → organisation
//! (capacity, cost 0) → county (one arc per candidate or existing pair, capacity 1, cost −fit,
//! lower bound 1 for an existing pair) → sink (lower = minimum, capacity = maximum, cost 0), and
//! sink → source (cost 0), a min-cost circulation whose minimum cost is −(total fit).
//!
//! Algorithm: existing pairings are fixed first (they use capacity and count toward minima and
//! maxima); the rest is a min-cost flow where each county's sink arc is split into a "minimum"
//! part of cost −BIG and an "extra" part of cost 0 (BIG exceeds any difference in total fit, so
//! an optimum meets every minimum whenever that is possible, and then it is an optimum of the
//! lower-bounded problem). It is solved by successive shortest paths with potentials (Dijkstra
//! on reduced costs, blocking augmentation on the zero-reduced-cost subgraph each phase), until
//! the shortest augmenting path has non-negative cost — optimal because the cost is convex in
//! the flow value. Organisations that never carried flow are not graph nodes: for each county
//! a pointer into its candidate arcs sorted by cost stands for "the best untouched organisation",
//! an arc source → county; an organisation becomes a node when it first carries flow. Searches
//! therefore cost O(counties + arcs of touched organisations), not O(all 5M arcs).
//!
//! Guarantees: a [`Plan`] satisfies every constraint of the crate header and has maximum total
//! fit; its `objective` equals the DIMACS minimum cost. An [`Infeasibility`] lists exactly the
//! counties that fall short of their minimum in some plan covering the greatest possible number
//! of minimum places (the counties that can reach the sink in the residual graph of a maximum
//! flow, i.e. the sink side of the minimal minimum cut), each with its violator group: those
//! counties together need more new organisations than their candidates can give.

use crate::instance::{Instance, InstanceError};
use crate::mcf::{Arc, Network};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};

/// One pair of the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pair {
    pub org: u32,
    pub county: u32,
    pub fit: i64,
    /// An existing pairing kept, not a new proposal.
    pub existing: bool,
}

/// A plan: existing pairings kept plus new proposals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub pairs: Vec<Pair>,
    /// −(total fit): the minimum cost of the DIMACS problem.
    pub objective: i64,
    /// Existing pairings of excluded organisations, released: `(org, county)`.
    pub released: Vec<(u32, u32)>,
}

impl Plan {
    pub fn total_fit(&self) -> i64 {
        -self.objective
    }
}

/// What blocks a county.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReasonKind {
    /// No organisation lists the county as a candidate.
    NoCandidate,
    /// Candidates exist but too few of them are usable (not excluded, with capacity left).
    TooFewCandidates,
    /// The county competes with others for the same candidates' remaining capacity.
    SharedCapacity,
}

impl ReasonKind {
    pub fn code(self) -> &'static str {
        match self {
            ReasonKind::NoCandidate => "no_candidate",
            ReasonKind::TooFewCandidates => "too_few_candidates",
            ReasonKind::SharedCapacity => "shared_capacity",
        }
    }
}

/// A county that cannot be given its minimum, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uncovered {
    pub county: u32,
    pub kind: ReasonKind,
    /// The violator group (this county included): counties that together need more new
    /// organisations (`group_need`) than their candidates can give them (`group_supply`).
    pub group: Vec<u32>,
    pub group_need: u64,
    pub group_supply: u64,
    /// Candidates of this county: in total, excluded, with no capacity left after existing pairings.
    pub candidates: u32,
    pub candidates_excluded: u32,
    pub candidates_full: u32,
    /// A precise reason in Chinese.
    pub reason: String,
}

/// No plan meets every minimum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Infeasibility {
    pub uncovered: Vec<Uncovered>,
    /// Minimum places that no plan can fill (Σ minimum − maximum coverable).
    pub shortfall: u64,
    /// A plan covering as many minimum places as possible, with maximum fit among those.
    pub best_effort: Plan,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Feasible(Plan),
    Infeasible(Infeasibility),
}

/// The instance after fixing existing pairings: remaining capacities, minima, maxima and the
/// candidate arcs (CSR by organisation; excluded organisations and existing pairs left out).
pub(crate) struct Prepared {
    pub rem_cap: Vec<u32>,
    pub rem_min: Vec<u32>,
    pub rem_max: Vec<u32>,
    pub kept: Vec<Pair>,
    pub released: Vec<(u32, u32)>,
    pub org_start: Vec<u32>,
    pub arc_cty: Vec<u32>,
    pub arc_cost: Vec<i32>,
}

pub(crate) fn prepare(inst: &Instance) -> Result<Prepared, InstanceError> {
    inst.validate()?;
    let (no, nc) = (inst.orgs.len(), inst.counties.len());
    let excluded = inst.excluded_mask();
    let tie = inst.tie_matrix();
    let mut used_org = vec![0u32; no];
    let mut used_cty = vec![0u32; nc];
    let mut kept = Vec::new();
    let mut released = Vec::new();
    let mut existing_set = HashSet::new();
    for e in &inst.existing {
        let (o, c) = (e[0] as usize, e[1] as usize);
        if excluded[o] {
            released.push((e[0], e[1]));
            continue;
        }
        existing_set.insert((e[0], e[1]));
        used_org[o] += 1;
        used_cty[c] += 1;
        kept.push(Pair {
            org: e[0],
            county: e[1],
            fit: inst.fit_fast(&tie, o, c),
            existing: true,
        });
    }
    let rem_cap: Vec<u32> = inst
        .orgs
        .iter()
        .enumerate()
        .map(|(o, org)| {
            if excluded[o] {
                0
            } else {
                org.capacity - used_org[o]
            }
        })
        .collect();
    let rem_min = inst
        .counties
        .iter()
        .enumerate()
        .map(|(c, k)| k.min.saturating_sub(used_cty[c]))
        .collect();
    let rem_max = inst
        .counties
        .iter()
        .enumerate()
        .map(|(c, k)| k.max - used_cty[c])
        .collect();
    let mut org_start = Vec::with_capacity(no + 1);
    let total: usize = inst.orgs.iter().map(|o| o.candidates.len()).sum();
    let mut arc_cty = Vec::with_capacity(total);
    let mut arc_cost = Vec::with_capacity(total);
    let mut buf: Vec<u32> = Vec::new();
    org_start.push(0u32);
    for (o, org) in inst.orgs.iter().enumerate() {
        if !excluded[o] {
            buf.clear();
            buf.extend_from_slice(&org.candidates);
            buf.sort_unstable();
            buf.dedup();
            for &c in &buf {
                if !existing_set.is_empty() && existing_set.contains(&(o as u32, c)) {
                    continue;
                }
                arc_cty.push(c);
                arc_cost.push(-(inst.fit_fast(&tie, o, c as usize) as i32));
            }
        }
        org_start.push(arc_cty.len() as u32);
    }
    Ok(Prepared {
        rem_cap,
        rem_min,
        rem_max,
        kept,
        released,
        org_start,
        arc_cty,
        arc_cost,
    })
}

/// The min-cost circulation whose minimum cost is the objective (what `--dimacs` writes).
/// Nodes: 0 source, 1 sink, 2.. organisations, then counties.
pub fn network(inst: &Instance) -> Result<Network, InstanceError> {
    let p = prepare(inst)?;
    let (no, nc) = (inst.orgs.len(), inst.counties.len());
    let excluded = inst.excluded_mask();
    let org_node = |o: usize| (2 + o) as u32;
    let cty_node = |c: usize| (2 + no + c) as u32;
    let mut arcs = Vec::with_capacity(p.arc_cty.len() + p.kept.len() + no + nc + 1);
    let mut total_cap = 0i64;
    for (o, org) in inst.orgs.iter().enumerate() {
        if !excluded[o] {
            arcs.push(Arc {
                from: 0,
                to: org_node(o),
                low: 0,
                cap: i64::from(org.capacity),
                cost: 0,
            });
            total_cap += i64::from(org.capacity);
        }
    }
    for k in &p.kept {
        arcs.push(Arc {
            from: org_node(k.org as usize),
            to: cty_node(k.county as usize),
            low: 1,
            cap: 1,
            cost: -k.fit,
        });
    }
    for o in 0..no {
        for a in p.org_start[o] as usize..p.org_start[o + 1] as usize {
            arcs.push(Arc {
                from: org_node(o),
                to: cty_node(p.arc_cty[a] as usize),
                low: 0,
                cap: 1,
                cost: i64::from(p.arc_cost[a]),
            });
        }
    }
    for (c, k) in inst.counties.iter().enumerate() {
        arcs.push(Arc {
            from: cty_node(c),
            to: 1,
            low: i64::from(k.min),
            cap: i64::from(k.max),
            cost: 0,
        });
    }
    arcs.push(Arc {
        from: 1,
        to: 0,
        low: 0,
        cap: total_cap,
        cost: 0,
    });
    let comments = vec![
        "duijie pairing plan as a min-cost circulation; minimum cost = -(total fit)".to_string(),
        format!("node 1 = source, node 2 = sink, nodes 3..{} = organisations, nodes {}..{} = counties", no + 2, no + 3, no + nc + 2),
        "fit = 10 * sum of county needs over the organisation's fields + 5 preferred province + 8 east-west tie".to_string(),
    ];
    Ok(Network {
        supply: vec![0; 2 + no + nc],
        arcs,
        comments,
    })
}

const NONE: u32 = u32::MAX;
const INF: i64 = i64::MAX / 4;

#[derive(Clone, Copy)]
enum Step {
    Virtual(u32),
    SourceOrg(u32),
    OrgCty(u32),
    CtyOrg(u32),
    SinkMin(u32),
    SinkExtra(u32),
}

struct Ssp<'a> {
    p: &'a Prepared,
    nc: usize,
    big: i64,
    arc_org: Vec<u32>,
    cty_start: Vec<u32>,
    cty_arcs: Vec<u32>,
    ptr: Vec<u32>,
    flow: Vec<bool>,
    used: Vec<u32>,
    tidx: Vec<u32>,
    touched: Vec<u32>,
    pi_org: Vec<i64>,
    pi_cty: Vec<i64>,
    pi_t: i64,
    x_min: Vec<u32>,
    x_ext: Vec<u32>,
    flow_in: Vec<Vec<u32>>,
    // per-phase DFS marks
    phase: u32,
    stamp: u32,
    vis_cty: Vec<u32>,
    dead_cty: Vec<u32>,
    vis_org: Vec<u32>,
    dead_org: Vec<u32>,
    path: Vec<Step>,
}

impl<'a> Ssp<'a> {
    fn new(p: &'a Prepared, nc: usize) -> Self {
        let no = p.rem_cap.len();
        let na = p.arc_cty.len();
        let mut arc_org = vec![0u32; na];
        for o in 0..no {
            for a in p.org_start[o]..p.org_start[o + 1] {
                arc_org[a as usize] = o as u32;
            }
        }
        // Candidate arcs per county, usable organisations only, sorted by cost (best fit first).
        let mut cnt = vec![0u32; nc + 1];
        for a in 0..na {
            if p.rem_cap[arc_org[a] as usize] > 0 {
                cnt[p.arc_cty[a] as usize + 1] += 1;
            }
        }
        for c in 0..nc {
            cnt[c + 1] += cnt[c];
        }
        let cty_start = cnt.clone();
        let mut fill = cnt;
        let mut cty_arcs = vec![0u32; cty_start[nc] as usize];
        for a in 0..na {
            if p.rem_cap[arc_org[a] as usize] > 0 {
                let c = p.arc_cty[a] as usize;
                cty_arcs[fill[c] as usize] = a as u32;
                fill[c] += 1;
            }
        }
        for c in 0..nc {
            cty_arcs[cty_start[c] as usize..cty_start[c + 1] as usize]
                .sort_unstable_by_key(|&a| (p.arc_cost[a as usize], a));
        }
        let max_fit = p
            .arc_cost
            .iter()
            .map(|&c| -i64::from(c))
            .max()
            .unwrap_or(0)
            .max(0);
        let sum_max: i64 = p.rem_max.iter().map(|&m| i64::from(m)).sum();
        let big = (max_fit + 1) * (sum_max + 1) + 1;
        let ptr = cty_start[..nc].to_vec();
        let mut s = Ssp {
            p,
            nc,
            big,
            arc_org,
            cty_start,
            cty_arcs,
            ptr,
            flow: vec![false; na],
            used: vec![0; no],
            tidx: vec![NONE; no],
            touched: Vec::new(),
            pi_org: Vec::new(),
            pi_cty: vec![0; nc],
            pi_t: 0,
            x_min: vec![0; nc],
            x_ext: vec![0; nc],
            flow_in: vec![Vec::new(); nc],
            phase: 0,
            stamp: 0,
            vis_cty: vec![0; nc],
            dead_cty: vec![0; nc],
            vis_org: Vec::new(),
            dead_org: Vec::new(),
            path: Vec::new(),
        };
        // Initial potentials: shortest distances in the (acyclic) initial residual graph.
        let mut pt = 0i64;
        for c in 0..nc {
            s.pi_cty[c] = s.virtual_arc(c).map_or(0, |(_, w)| w);
            if let Some(sc) = s.sink_cost(c) {
                pt = pt.min(s.pi_cty[c] + sc);
            }
        }
        s.pi_t = pt;
        s
    }

    /// The best untouched organisation's arc into county `c`, and its cost.
    fn virtual_arc(&mut self, c: usize) -> Option<(u32, i64)> {
        let end = self.cty_start[c + 1];
        let mut i = self.ptr[c];
        while i < end
            && self.tidx[self.arc_org[self.cty_arcs[i as usize] as usize] as usize] != NONE
        {
            i += 1;
        }
        self.ptr[c] = i;
        (i < end).then(|| {
            let a = self.cty_arcs[i as usize];
            (a, i64::from(self.p.arc_cost[a as usize]))
        })
    }

    fn sink_cost(&self, c: usize) -> Option<i64> {
        if self.x_min[c] < self.p.rem_min[c] {
            Some(-self.big)
        } else if self.x_ext[c] < self.p.rem_max[c] - self.p.rem_min[c] {
            Some(0)
        } else {
            None
        }
    }

    /// Dijkstra on reduced costs; updates potentials. Returns false when the sink is unreachable.
    fn dijkstra(
        &mut self,
        dist: &mut Vec<i64>,
        heap: &mut BinaryHeap<Reverse<(i64, u32)>>,
    ) -> bool {
        let nc = self.nc;
        let t = nc;
        let n = nc + 1 + self.touched.len();
        dist.clear();
        dist.resize(n, INF);
        heap.clear();
        for c in 0..nc {
            if let Some((_, w)) = self.virtual_arc(c) {
                let d = w - self.pi_cty[c];
                debug_assert!(d >= 0, "virtual arc reduced cost {d}");
                if d < dist[c] {
                    dist[c] = d;
                    heap.push(Reverse((d, c as u32)));
                }
            }
        }
        for k in 0..self.touched.len() {
            let o = self.touched[k] as usize;
            if self.used[o] < self.p.rem_cap[o] {
                let d = -self.pi_org[k];
                debug_assert!(d >= 0);
                if d < dist[nc + 1 + k] {
                    dist[nc + 1 + k] = d;
                    heap.push(Reverse((d, (nc + 1 + k) as u32)));
                }
            }
        }
        let mut reached = None;
        while let Some(Reverse((d, u))) = heap.pop() {
            let u = u as usize;
            if d > dist[u] {
                continue;
            }
            if u == t {
                reached = Some(d);
                break;
            }
            if u < nc {
                let c = u;
                let pc = self.pi_cty[c];
                if let Some(sc) = self.sink_cost(c) {
                    let nd = d + sc + pc - self.pi_t;
                    debug_assert!(nd >= d);
                    if nd < dist[t] {
                        dist[t] = nd;
                        heap.push(Reverse((nd, t as u32)));
                    }
                }
                for &a in &self.flow_in[c] {
                    let k = self.tidx[self.arc_org[a as usize] as usize] as usize;
                    let nd = d - i64::from(self.p.arc_cost[a as usize]) + pc - self.pi_org[k];
                    debug_assert!(nd >= d);
                    let v = nc + 1 + k;
                    if nd < dist[v] {
                        dist[v] = nd;
                        heap.push(Reverse((nd, v as u32)));
                    }
                }
            } else {
                let k = u - nc - 1;
                let o = self.touched[k] as usize;
                let po = self.pi_org[k];
                for a in self.p.org_start[o] as usize..self.p.org_start[o + 1] as usize {
                    if !self.flow[a] {
                        let c = self.p.arc_cty[a] as usize;
                        let nd = d + i64::from(self.p.arc_cost[a]) + po - self.pi_cty[c];
                        debug_assert!(nd >= d);
                        if nd < dist[c] {
                            dist[c] = nd;
                            heap.push(Reverse((nd, c as u32)));
                        }
                    }
                }
            }
        }
        let Some(dt) = reached else { return false };
        for c in 0..nc {
            self.pi_cty[c] += dist[c].min(dt);
        }
        self.pi_t += dt;
        for k in 0..self.touched.len() {
            self.pi_org[k] += dist[nc + 1 + k].min(dt);
        }
        true
    }

    fn dfs_cty(&mut self, c: usize) -> bool {
        if self.vis_cty[c] == self.stamp || self.dead_cty[c] == self.phase {
            return false;
        }
        self.vis_cty[c] = self.stamp;
        let pc = self.pi_cty[c];
        if self.x_min[c] < self.p.rem_min[c] && pc - self.big == self.pi_t {
            self.path.push(Step::SinkMin(c as u32));
            return true;
        }
        if self.x_ext[c] < self.p.rem_max[c] - self.p.rem_min[c] && pc == self.pi_t {
            self.path.push(Step::SinkExtra(c as u32));
            return true;
        }
        let mut i = 0;
        while i < self.flow_in[c].len() {
            let a = self.flow_in[c][i] as usize;
            let k = self.tidx[self.arc_org[a] as usize] as usize;
            if pc - i64::from(self.p.arc_cost[a]) == self.pi_org[k] && self.dfs_org(k) {
                self.path.push(Step::CtyOrg(a as u32));
                return true;
            }
            i += 1;
        }
        self.dead_cty[c] = self.phase;
        false
    }

    fn dfs_org(&mut self, k: usize) -> bool {
        if self.vis_org[k] == self.stamp || self.dead_org[k] == self.phase {
            return false;
        }
        self.vis_org[k] = self.stamp;
        let o = self.touched[k] as usize;
        let po = self.pi_org[k];
        for a in self.p.org_start[o] as usize..self.p.org_start[o + 1] as usize {
            if !self.flow[a] {
                let c = self.p.arc_cty[a] as usize;
                if i64::from(self.p.arc_cost[a]) + po == self.pi_cty[c] && self.dfs_cty(c) {
                    self.path.push(Step::OrgCty(a as u32));
                    return true;
                }
            }
        }
        self.dead_org[k] = self.phase;
        false
    }

    fn touch(&mut self, o: usize) -> usize {
        let k = self.touched.len();
        self.tidx[o] = k as u32;
        self.touched.push(o as u32);
        self.pi_org.push(0);
        self.vis_org.push(0);
        self.dead_org.push(0);
        k
    }

    fn set_flow(&mut self, a: usize, on: bool) {
        self.flow[a] = on;
        let c = self.p.arc_cty[a] as usize;
        if on {
            self.flow_in[c].push(a as u32);
        } else {
            let pos = self.flow_in[c]
                .iter()
                .position(|&x| x as usize == a)
                .expect("arc with flow");
            self.flow_in[c].swap_remove(pos);
        }
    }

    fn apply_path(&mut self) {
        let path = std::mem::take(&mut self.path);
        for &step in &path {
            match step {
                Step::Virtual(c) => {
                    let (a, _) = self.virtual_arc(c as usize).expect("virtual arc");
                    let o = self.arc_org[a as usize] as usize;
                    self.touch(o);
                    self.used[o] += 1;
                    self.set_flow(a as usize, true);
                }
                Step::SourceOrg(k) => self.used[self.touched[k as usize] as usize] += 1,
                Step::OrgCty(a) => self.set_flow(a as usize, true),
                Step::CtyOrg(a) => self.set_flow(a as usize, false),
                Step::SinkMin(c) => self.x_min[c as usize] += 1,
                Step::SinkExtra(c) => self.x_ext[c as usize] += 1,
            }
        }
        self.path = path;
        self.path.clear();
    }

    /// Augments along zero-reduced-cost paths until none is found.
    fn blocking(&mut self) -> usize {
        self.phase += 1;
        let nc = self.nc;
        let mut sp = 0usize;
        let mut found = 0;
        loop {
            self.stamp = self.stamp.wrapping_add(1);
            if self.stamp == 0 {
                self.vis_cty.iter_mut().for_each(|v| *v = 0);
                self.vis_org.iter_mut().for_each(|v| *v = 0);
                self.stamp = 1;
            }
            let mut ok = false;
            while sp < nc + self.touched.len() {
                if sp < nc {
                    let c = sp;
                    if let Some((_, w)) = self.virtual_arc(c)
                        && w == self.pi_cty[c]
                        && self.dfs_cty(c)
                    {
                        self.path.push(Step::Virtual(c as u32));
                        ok = true;
                        break;
                    }
                } else {
                    let k = sp - nc;
                    let o = self.touched[k] as usize;
                    if self.used[o] < self.p.rem_cap[o] && self.pi_org[k] == 0 && self.dfs_org(k) {
                        self.path.push(Step::SourceOrg(k as u32));
                        ok = true;
                        break;
                    }
                }
                sp += 1;
            }
            if !ok {
                return found;
            }
            self.apply_path();
            found += 1;
        }
    }

    fn run(&mut self) {
        let mut dist = Vec::new();
        let mut heap = BinaryHeap::new();
        loop {
            if !self.dijkstra(&mut dist, &mut heap) {
                return;
            }
            // π(source) = 0, so π(sink) is the true cost of the shortest augmenting path.
            if self.pi_t >= 0 {
                return;
            }
            if self.blocking() == 0 {
                // Cannot happen: the Dijkstra path is admissible. Guard against looping.
                debug_assert!(false, "no admissible path after Dijkstra");
                return;
            }
        }
    }
}

/// Solves the instance exactly (see the module header).
pub fn solve(inst: &Instance) -> Result<Outcome, InstanceError> {
    let p = prepare(inst)?;
    let nc = inst.counties.len();
    let mut s = Ssp::new(&p, nc);
    s.run();
    let mut pairs = p.kept.clone();
    let mut objective: i64 = p.kept.iter().map(|k| -k.fit).sum();
    for (a, &f) in s.flow.iter().enumerate() {
        if f {
            let cost = i64::from(p.arc_cost[a]);
            objective += cost;
            pairs.push(Pair {
                org: s.arc_org[a],
                county: p.arc_cty[a],
                fit: -cost,
                existing: false,
            });
        }
    }
    let plan = Plan {
        pairs,
        objective,
        released: p.released.clone(),
    };
    if (0..nc).all(|c| s.x_min[c] == p.rem_min[c]) {
        return Ok(Outcome::Feasible(plan));
    }
    Ok(Outcome::Infeasible(diagnose(inst, &p, &s, plan)))
}

/// Reads the violator groups from the residual graph of the maximum "minimum-places" flow
/// contained in the best-effort plan.
fn diagnose(inst: &Instance, p: &Prepared, s: &Ssp, best_effort: Plan) -> Infeasibility {
    let nc = inst.counties.len();
    let no = inst.orgs.len();
    // Feasibility flow: min(x_c, rem_min_c) of each county's flowing arcs.
    let mut chosen = vec![false; p.arc_cty.len()];
    let mut f_cty = vec![0u32; nc];
    for c in 0..nc {
        for &a in s.flow_in[c].iter().take(p.rem_min[c] as usize) {
            chosen[a as usize] = true;
            f_cty[c] += 1;
        }
    }
    // County → all candidate arcs (usable organisations or not).
    let mut cstart = vec![0u32; nc + 1];
    for &c in &p.arc_cty {
        cstart[c as usize + 1] += 1;
    }
    for c in 0..nc {
        cstart[c + 1] += cstart[c];
    }
    let mut fill = cstart.clone();
    let mut carcs = vec![0u32; p.arc_cty.len()];
    for (a, &c) in p.arc_cty.iter().enumerate() {
        carcs[fill[c as usize] as usize] = a as u32;
        fill[c as usize] += 1;
    }
    // Reverse BFS from the sink over residual arcs.
    let mut in_r_cty = vec![false; nc];
    let mut in_r_org = vec![false; no];
    let mut queue: Vec<(bool, u32)> = Vec::new();
    for c in 0..nc {
        if f_cty[c] < p.rem_min[c] {
            in_r_cty[c] = true;
            queue.push((true, c as u32));
        }
    }
    while let Some((is_cty, x)) = queue.pop() {
        if is_cty {
            let c = x as usize;
            for &a in &carcs[cstart[c] as usize..cstart[c + 1] as usize] {
                let o = s.arc_org[a as usize] as usize;
                if !chosen[a as usize] && p.rem_cap[o] > 0 && !in_r_org[o] {
                    in_r_org[o] = true;
                    queue.push((false, o as u32));
                }
            }
        } else {
            let o = x as usize;
            for a in p.org_start[o] as usize..p.org_start[o + 1] as usize {
                let c = p.arc_cty[a] as usize;
                if chosen[a] && !in_r_cty[c] {
                    in_r_cty[c] = true;
                    queue.push((true, c as u32));
                }
            }
        }
    }
    // Components of the sink side (counties joined through organisations on the sink side).
    let mut comp = vec![u32::MAX; nc];
    let mut groups: Vec<Vec<u32>> = Vec::new();
    let mut seen_org = vec![false; no];
    for c0 in 0..nc {
        if !in_r_cty[c0] || comp[c0] != u32::MAX {
            continue;
        }
        let g = groups.len() as u32;
        let mut members = Vec::new();
        let mut stack = vec![c0];
        comp[c0] = g;
        while let Some(c) = stack.pop() {
            members.push(c as u32);
            for &a in &carcs[cstart[c] as usize..cstart[c + 1] as usize] {
                let o = s.arc_org[a as usize] as usize;
                if !in_r_org[o] || seen_org[o] {
                    continue;
                }
                seen_org[o] = true;
                for b in p.org_start[o] as usize..p.org_start[o + 1] as usize {
                    let c2 = p.arc_cty[b] as usize;
                    if in_r_cty[c2] && comp[c2] == u32::MAX {
                        comp[c2] = g;
                        stack.push(c2);
                    }
                }
            }
        }
        members.sort_unstable();
        groups.push(members);
    }
    // Candidate counts per county, from the instance.
    let excluded = inst.excluded_mask();
    let mut n_cand = vec![0u32; nc];
    let mut n_excl = vec![0u32; nc];
    let mut n_full = vec![0u32; nc];
    for (o, org) in inst.orgs.iter().enumerate() {
        let mut cs = org.candidates.clone();
        cs.sort_unstable();
        cs.dedup();
        for c in cs {
            let c = c as usize;
            n_cand[c] += 1;
            if excluded[o] {
                n_excl[c] += 1;
            } else if p.rem_cap[o] == 0 {
                n_full[c] += 1;
            }
        }
    }
    let name = |c: u32| inst.counties[c as usize].id.clone();
    let mut uncovered = Vec::new();
    for c in 0..nc {
        if !in_r_cty[c] {
            continue;
        }
        let group = groups[comp[c] as usize].clone();
        let need: u64 = group
            .iter()
            .map(|&g| u64::from(p.rem_min[g as usize]))
            .sum();
        let supply: u64 = group.iter().map(|&g| u64::from(f_cty[g as usize])).sum();
        let cty = &inst.counties[c];
        let existing = cty.min - p.rem_min[c];
        let (kind, reason) = if n_cand[c] == 0 {
            (
                ReasonKind::NoCandidate,
                format!(
                    "没有任何社会组织把该县列为候选县，达不到最少 {} 个组织的要求",
                    cty.min
                ),
            )
        } else if group.len() == 1 {
            let usable = n_cand[c] - n_excl[c] - n_full[c];
            (
                ReasonKind::TooFewCandidates,
                format!(
                    "共有 {} 个候选社会组织，其中 {} 个被排除、{} 个的容量已被现有结对占满，可用 {} 个；加上现有结对 {} 个，达不到最少 {} 个组织的要求",
                    n_cand[c], n_excl[c], n_full[c], usable, existing, cty.min
                ),
            )
        } else {
            let others: Vec<String> = group
                .iter()
                .filter(|&&g| g as usize != c)
                .take(20)
                .map(|&g| name(g))
                .collect();
            let more = if group.len() - 1 > 20 {
                format!(" 等 {} 个县", group.len() - 1)
            } else {
                String::new()
            };
            (
                ReasonKind::SharedCapacity,
                format!(
                    "与县 {}{} 争用同一批候选社会组织：这 {} 个县还需新结对 {} 个，而其候选组织的剩余容量最多只能给出 {} 个",
                    others.join("、"),
                    more,
                    group.len(),
                    need,
                    supply
                ),
            )
        };
        uncovered.push(Uncovered {
            county: c as u32,
            kind,
            group,
            group_need: need,
            group_supply: supply,
            candidates: n_cand[c],
            candidates_excluded: n_excl[c],
            candidates_full: n_full[c],
            reason,
        });
    }
    let shortfall = (0..nc).map(|c| u64::from(p.rem_min[c] - f_cty[c])).sum();
    Infeasibility {
        uncovered,
        shortfall,
        best_effort,
    }
}
