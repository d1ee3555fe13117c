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
//! lower-bounded problem). It is solved by successive shortest paths with potentials until the
//! shortest augmenting path has non-negative cost — optimal because the cost is convex in the
//! flow value. The searches run on the *county graph*: organisations are not nodes, since every
//! residual path is source → (organisation) → county → (organisation) → county … → sink. Per
//! county, the cheapest organisation with spare capacity comes from its candidate arcs sorted by
//! cost (a bitset marks the arcs still usable: free, organisation not full); per ordered pair of
//! counties, an exchange matrix holds the cheapest organisation flowing into the first with a
//! free arc to the second (kept as a lower bound that is checked and repaired when used, see
//! `Ssp`). Each phase is one Dijkstra (O(counties²), counties taken from a heap, exact: a
//! county's distance is checked before it is settled) and then as many augmentations as a
//! depth-first search finds on zero-reduced-cost arcs. A phase costs O(counties²) plus the
//! organisations whose flow changes, not O(all 5M candidate arcs), so instances where most of
//! the capacity flows (hundreds of phases, 100,000 augmentations) stay fast.
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
use std::collections::HashSet;

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

const INF: i64 = i64::MAX / 4;
/// Arc states: no flow, one unit of flow, removed from the candidates by an edit.
pub(crate) const FREE: u8 = 0;
pub(crate) const FLOW: u8 = 1;
pub(crate) const GONE: u8 = 2;
const NONE: u32 = u32::MAX;
/// An exchange that does not exist (no organisation flows into the row's county with a free arc
/// to the column's county).
const NO_EXCHANGE: i32 = i32::MAX;

/// An arc flowing into a county, with its organisation's range of candidate arcs.
#[derive(Clone, Copy)]
pub(crate) struct FlowIn {
    pub(crate) arc: u32,
    first: u32,
    end: u32,
}

#[derive(Clone, Copy)]
enum Step {
    /// An organisation with spare capacity takes a county: `source → org → county` over arc `a`.
    Source(u32),
    /// An organisation leaves one county for another: flow off arc `.0`, onto arc `.1`.
    Exchange(u32, u32),
    SinkMin(u32),
    SinkExtra(u32),
}

/// Successive shortest paths on the county graph. Organisations are not nodes: every residual
/// path is `source → (org) → county → (org) → county … → sink`, so a search only needs, per
/// county, the cheapest organisation with spare capacity and a free arc into it (the candidate
/// lists sorted by cost), and, per ordered pair of counties `(c1, c2)`, the cheapest *exchange*:
/// an organisation flowing into `c1` with a free arc to `c2`, at cost `cost(o,c2) − cost(o,c1)`.
/// Every option is merged into the matrix when it appears (a flow arrives in `c1`, or an arc to
/// `c2` is freed), so a stored exchange is never above the true one; when the stored option no
/// longer exists (checked when it is used), the second slot or a recomputation from the
/// organisations flowing into `c1` replaces it. Searches cost O(counties²) instead of
/// O(arcs of every organisation that carries flow).
pub(crate) struct Ssp {
    pub(crate) p: Prepared,
    nc: usize,
    big: i64,
    pub(crate) arc_org: Vec<u32>,
    cty_start: Vec<u32>,
    cty_arcs: Vec<u32>,
    /// Position of each arc in `cty_arcs` (`u32::MAX` for organisations without capacity).
    pos: Vec<u32>,
    /// One bit per position in `cty_arcs`: set exactly when the arc is free and its organisation
    /// has spare capacity, i.e. the arc is usable from the source (kept by `set_flow`,
    /// `take_unit` and `revive`), so a county's cheapest usable arc is its first set bit.
    usable: Vec<u64>,
    /// Per candidate arc: [`FREE`], [`FLOW`] or [`GONE`] (removed by an edit).
    pub(crate) flow: Vec<u8>,
    used: Vec<u32>,
    pi_cty: Vec<i64>,
    pi_t: i64,
    pub(crate) x_min: Vec<u32>,
    pub(crate) x_ext: Vec<u32>,
    /// Per county: the arcs flowing into it, each with its organisation's arc range (so that
    /// `recompute` reads the organisation's candidates without two dependent look-ups).
    pub(crate) flow_in: Vec<Vec<FlowIn>>,
    /// Exchange matrix, row-major `c1 * nc + c2`: `[cost, second]`, where `second` is a lower
    /// bound of every other option (next to the cost, so that a merge usually reads one line).
    w: Vec<[i32; 2]>,
    /// The arcs realising each entry of `w`: `[off, on, second off, second on]` (second on is
    /// `NONE` when only the bound is known).
    w_arcs: Vec<[u32; 4]>,
    // per-phase search marks
    phase: u32,
    stamp: u32,
    vis: Vec<u32>,
    dead: Vec<u32>,
    cur: Vec<u32>,
    path: Vec<Step>,
}

impl Ssp {
    pub(crate) fn new(p: Prepared, nc: usize) -> Self {
        let no = p.rem_cap.len();
        let na = p.arc_cty.len();
        let mut arc_org = vec![0u32; na];
        for o in 0..no {
            for a in p.org_start[o]..p.org_start[o + 1] {
                arc_org[a as usize] = o as u32;
            }
        }
        // Candidate arcs per county, usable organisations only, sorted by (cost, arc): arcs in
        // cost order (a stable counting sort, fits are small integers) dealt out to counties.
        let usable = |a: usize| p.rem_cap[arc_org[a] as usize] > 0;
        let lo = p.arc_cost.iter().copied().min().unwrap_or(0);
        let span = p.arc_cost.iter().copied().max().unwrap_or(0) - lo + 1;
        let by_cost: Vec<u32> = if span <= 1 << 16 {
            let mut start = vec![0u32; span as usize + 1];
            for a in (0..na).filter(|&a| usable(a)) {
                start[(p.arc_cost[a] - lo) as usize + 1] += 1;
            }
            for k in 0..span as usize {
                start[k + 1] += start[k];
            }
            let mut out = vec![0u32; start[span as usize] as usize];
            for a in (0..na).filter(|&a| usable(a)) {
                let k = (p.arc_cost[a] - lo) as usize;
                out[start[k] as usize] = a as u32;
                start[k] += 1;
            }
            out
        } else {
            let mut out: Vec<u32> = (0..na as u32).filter(|&a| usable(a as usize)).collect();
            out.sort_by_key(|&a| p.arc_cost[a as usize]);
            out
        };
        let mut cnt = vec![0u32; nc + 1];
        for &a in &by_cost {
            cnt[p.arc_cty[a as usize] as usize + 1] += 1;
        }
        for c in 0..nc {
            cnt[c + 1] += cnt[c];
        }
        let cty_start = cnt.clone();
        let mut fill = cnt;
        let mut cty_arcs = vec![0u32; by_cost.len()];
        let mut pos = vec![u32::MAX; na];
        for &a in &by_cost {
            let c = p.arc_cty[a as usize] as usize;
            cty_arcs[fill[c] as usize] = a;
            pos[a as usize] = fill[c];
            fill[c] += 1;
        }
        drop(by_cost);
        let max_fit = p
            .arc_cost
            .iter()
            .map(|&c| -i64::from(c))
            .max()
            .unwrap_or(0)
            .max(0);
        let sum_max: i64 = p.rem_max.iter().map(|&m| i64::from(m)).sum();
        let big = (max_fit + 1) * (sum_max + 1) + 1;
        let mut usable = vec![u64::MAX; cty_arcs.len().div_ceil(64)];
        if !cty_arcs.len().is_multiple_of(64) {
            *usable.last_mut().expect("a word") = (1u64 << (cty_arcs.len() % 64)) - 1;
        }
        let mut s = Ssp {
            p,
            nc,
            big,
            arc_org,
            cty_start,
            cty_arcs,
            pos,
            usable,
            flow: vec![FREE; na],
            used: vec![0; no],
            pi_cty: vec![0; nc],
            pi_t: 0,
            x_min: vec![0; nc],
            x_ext: vec![0; nc],
            flow_in: vec![Vec::new(); nc],
            w: vec![[NO_EXCHANGE; 2]; nc * nc],
            w_arcs: vec![[0, 0, 0, NONE]; nc * nc],
            phase: 0,
            stamp: 0,
            vis: vec![0; nc],
            dead: vec![0; nc],
            cur: vec![0; nc],
            path: Vec::new(),
        };
        // Initial potentials: shortest distances in the (acyclic) initial residual graph.
        let mut pt = 0i64;
        for c in 0..nc {
            s.pi_cty[c] = s
                .source_arc(c)
                .map_or(0, |a| i64::from(s.p.arc_cost[a as usize]));
            if let Some(sc) = s.sink_cost(c) {
                pt = pt.min(s.pi_cty[c] + sc);
            }
        }
        s.pi_t = pt;
        s
    }

    /// The cheapest arc into county `c` from an organisation with spare capacity that does not
    /// already serve `c`: the first set bit of `usable` in the county's positions.
    fn source_arc(&self, c: usize) -> Option<u32> {
        let (lo, hi) = (self.cty_start[c] as usize, self.cty_start[c + 1] as usize);
        if lo == hi {
            return None;
        }
        let mut k = lo / 64;
        let mut word = self.usable[k] & (u64::MAX << (lo % 64));
        loop {
            if word != 0 {
                let i = k * 64 + word.trailing_zeros() as usize;
                return (i < hi).then(|| self.cty_arcs[i]);
            }
            k += 1;
            if k * 64 >= hi {
                return None;
            }
            word = self.usable[k];
        }
    }

    /// Marks the arc at position `q` of `cty_arcs` usable from the source or not.
    fn mark(&mut self, q: u32, on: bool) {
        if q != u32::MAX {
            let (k, bit) = (q as usize / 64, 1u64 << (q % 64));
            if on {
                self.usable[k] |= bit;
            } else {
                self.usable[k] &= !bit;
            }
        }
    }

    /// Organisation `o` sends one more unit over arc `a` (from the source); when it becomes
    /// full, none of its arcs is usable from the source any more.
    fn take_unit(&mut self, a: u32) {
        let o = self.arc_org[a as usize] as usize;
        self.used[o] += 1;
        self.set_flow(a, true);
        if self.used[o] >= self.p.rem_cap[o] {
            for b in self.org_arcs(o) {
                self.mark(self.pos[b], false);
            }
        }
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

    fn cost(&self, a: u32) -> i32 {
        self.p.arc_cost[a as usize]
    }

    fn org_arcs(&self, o: usize) -> std::ops::Range<usize> {
        self.p.org_start[o] as usize..self.p.org_start[o + 1] as usize
    }

    /// Whether the stored exchange `idx` still exists.
    fn valid(&self, idx: usize) -> bool {
        let [off, on, ..] = self.w_arcs[idx];
        self.flow[off as usize] == FLOW && self.flow[on as usize] == FREE
    }

    fn merge(&mut self, off: u32, on: u32) {
        let idx =
            self.p.arc_cty[off as usize] as usize * self.nc + self.p.arc_cty[on as usize] as usize;
        let v = self.cost(on) - self.cost(off);
        let [w1, w2] = self.w[idx];
        if v < w1 {
            self.w[idx] = [v, w1];
            let [o1, n1, ..] = self.w_arcs[idx];
            self.w_arcs[idx] = [off, on, o1, n1];
        } else if v < w2 {
            self.w[idx][1] = v;
            self.w_arcs[idx][2] = off;
            self.w_arcs[idx][3] = on;
        }
    }

    /// Makes the stored exchange `idx` exact when it no longer exists: promotes the second slot
    /// if that option still exists (or there is none), else returns false.
    fn promote(&mut self, idx: usize) -> bool {
        let [_, _, off2, on2] = self.w_arcs[idx];
        let second = self.w[idx][1] == NO_EXCHANGE
            || (on2 != NONE && self.flow[off2 as usize] == FLOW && self.flow[on2 as usize] == FREE);
        if second {
            // The old bound still bounds every remaining option.
            self.w[idx][0] = self.w[idx][1];
            self.w_arcs[idx] = [off2, on2, off2, NONE];
        }
        second
    }

    /// Recomputes the exchange `c1 → c2` from the organisations flowing into `c1`.
    fn recompute(&mut self, c1: usize, c2: usize) {
        let idx = c1 * self.nc + c2;
        self.w[idx] = [NO_EXCHANGE; 2];
        self.w_arcs[idx][3] = NONE;
        for i in 0..self.flow_in[c1].len() {
            let FlowIn {
                arc: off,
                first,
                end,
            } = self.flow_in[c1][i];
            let (first, end) = (first as usize, end as usize);
            if let Ok(k) = self.p.arc_cty[first..end].binary_search(&(c2 as u32))
                && self.flow[first + k] == FREE
            {
                self.merge(off, (first + k) as u32);
            }
        }
    }

    /// Dijkstra on reduced costs over the counties; updates potentials. Returns false when the
    /// sink is unreachable. Stored exchanges are lower bounds of the true ones (see [`Ssp`]), so a
    /// county's tentative distance is checked when it is about to be settled: if the exchange it
    /// came through no longer exists, that exchange is recomputed and the county's distance is
    /// taken again over the settled counties.
    fn dijkstra(&mut self, dist: &mut Vec<i64>, done: &mut Vec<bool>) -> bool {
        let nc = self.nc;
        let t = nc;
        dist.clear();
        dist.resize(nc + 1, INF);
        done.clear();
        done.resize(nc + 1, false);
        let mut from_source = vec![INF; nc];
        let mut parent = vec![NONE; nc];
        // Entries (distance, county) of a binary heap with lazy deletion: an entry counts while
        // its distance is the county's tentative one. The smallest (distance, index) is taken
        // first, the same order as a scan for the first minimum, so the phase does the same work.
        let mut heap = std::collections::BinaryHeap::new();
        for c in 0..nc {
            if let Some(a) = self.source_arc(c) {
                let d = i64::from(self.cost(a)) - self.pi_cty[c];
                debug_assert!(d >= 0, "source arc reduced cost {d}");
                from_source[c] = d;
                dist[c] = d;
                heap.push(Reverse((d, c as u32)));
            }
        }
        let mut settled: Vec<u32> = Vec::with_capacity(nc);
        let dt = loop {
            let Some(Reverse((d, u))) = heap.pop() else {
                return false;
            };
            let u = u as usize;
            if done[u] || d != dist[u] {
                continue;
            }
            if u == t {
                break d;
            }
            let pu = parent[u] as usize;
            if pu != NONE as usize && !self.valid(pu * nc + u) {
                if !self.promote(pu * nc + u) {
                    self.recompute(pu, u);
                }
                dist[u] = from_source[u];
                parent[u] = NONE;
                for &v in &settled {
                    let v = v as usize;
                    let wv = self.w[v * nc + u][0];
                    if wv != NO_EXCHANGE {
                        let nd = dist[v] + i64::from(wv) + self.pi_cty[v] - self.pi_cty[u];
                        if nd < dist[u] {
                            dist[u] = nd;
                            parent[u] = v as u32;
                        }
                    }
                }
                if dist[u] < INF {
                    heap.push(Reverse((dist[u], u as u32)));
                }
                continue;
            }
            debug_assert!(settled.last().is_none_or(|&v| dist[v as usize] <= d));
            done[u] = true;
            settled.push(u as u32);
            let pc = self.pi_cty[u];
            if let Some(sc) = self.sink_cost(u) {
                let nd = d + sc + pc - self.pi_t;
                debug_assert!(nd >= d);
                if nd < dist[t] {
                    dist[t] = nd;
                    heap.push(Reverse((nd, t as u32)));
                }
            }
            let row = u * nc;
            for c2 in 0..nc {
                let wv = self.w[row + c2][0];
                if wv != NO_EXCHANGE && !done[c2] {
                    // A lower bound until `c2` is settled.
                    let nd = d + i64::from(wv) + pc - self.pi_cty[c2];
                    if nd < dist[c2] {
                        dist[c2] = nd;
                        parent[c2] = u as u32;
                        heap.push(Reverse((nd, c2 as u32)));
                    }
                }
            }
        };
        for c in 0..nc {
            self.pi_cty[c] += dist[c].min(dt);
        }
        self.pi_t += dt;
        true
    }

    /// Depth-first search for an admissible (zero reduced cost) path from county `c` to the sink.
    fn dfs(&mut self, c: usize) -> bool {
        if self.vis[c] == self.stamp || self.dead[c] == self.phase {
            return false;
        }
        self.vis[c] = self.stamp;
        let pc = self.pi_cty[c];
        if self.x_min[c] < self.p.rem_min[c] && pc - self.big == self.pi_t {
            self.path.push(Step::SinkMin(c as u32));
            return true;
        }
        if self.x_ext[c] < self.p.rem_max[c] - self.p.rem_min[c] && pc == self.pi_t {
            self.path.push(Step::SinkExtra(c as u32));
            return true;
        }
        let nc = self.nc;
        let row = c * nc;
        // Columns before `cur[c]` were tried in this phase (a later search does not retry them,
        // which may only leave a path for the next phase).
        let mut j = self.cur[c] as usize;
        loop {
            // Next column with zero reduced cost (a tight scan; the rest is checked below).
            let w = &self.w[row..row + nc];
            while j < nc && i64::from(w[j][0]) + pc != self.pi_cty[j] {
                j += 1;
            }
            if j >= nc {
                break;
            }
            let usable =
                w[j][0] != NO_EXCHANGE && self.dead[j] != self.phase && self.vis[j] != self.stamp;
            if usable && !self.valid(row + j) {
                if self.promote(row + j) {
                    continue;
                }
            } else if usable {
                let [off, on, ..] = self.w_arcs[row + j];
                self.cur[c] = j as u32;
                if self.dfs(j) {
                    self.path.push(Step::Exchange(off, on));
                    return true;
                }
            }
            j += 1;
        }
        self.cur[c] = nc as u32;
        self.dead[c] = self.phase;
        false
    }

    fn set_flow(&mut self, a: u32, on: bool) {
        self.flow[a as usize] = if on { FLOW } else { FREE };
        let c = self.p.arc_cty[a as usize] as usize;
        let o = self.arc_org[a as usize] as usize;
        if on {
            self.mark(self.pos[a as usize], false);
            let arcs = self.org_arcs(o);
            self.flow_in[c].push(FlowIn {
                arc: a,
                first: arcs.start as u32,
                end: arcs.end as u32,
            });
            // New exchanges out of `c` through `o`.
            for b in self.org_arcs(o) {
                if self.flow[b] == FREE {
                    self.merge(a, b as u32);
                }
            }
        } else {
            let pos = self.flow_in[c]
                .iter()
                .position(|x| x.arc == a)
                .expect("arc with flow");
            self.flow_in[c].swap_remove(pos);
            // The arc is usable again from the source side (if its organisation has room).
            if self.used[o] < self.p.rem_cap[o] {
                self.mark(self.pos[a as usize], true);
            }
            // New exchanges into `c` through `o`.
            for b in self.org_arcs(o) {
                if self.flow[b] == FLOW {
                    self.merge(b as u32, a);
                }
            }
        }
    }

    fn apply_path(&mut self) {
        let path = std::mem::take(&mut self.path);
        for &step in &path {
            match step {
                Step::Source(a) => self.take_unit(a),
                Step::Exchange(off, on) => {
                    self.set_flow(off, false);
                    self.set_flow(on, true);
                }
                Step::SinkMin(c) => self.x_min[c as usize] += 1,
                Step::SinkExtra(c) => self.x_ext[c as usize] += 1,
            }
        }
        self.path = path;
        self.path.clear();
    }

    /// Augments along admissible paths until none is found.
    fn blocking(&mut self) -> usize {
        self.phase += 1;
        self.cur.fill(0);
        let mut found = 0;
        let mut c = 0;
        while c < self.nc {
            self.stamp = self.stamp.wrapping_add(1);
            if self.stamp == 0 {
                self.vis.fill(0);
                self.stamp = 1;
            }
            match self.source_arc(c) {
                Some(a) if i64::from(self.cost(a)) == self.pi_cty[c] && self.dfs(c) => {
                    self.path.push(Step::Source(a));
                    self.apply_path();
                    found += 1;
                }
                _ => c += 1,
            }
        }
        found
    }

    pub(crate) fn run(&mut self) {
        let mut dist = Vec::new();
        let mut done = Vec::new();
        while self.dijkstra(&mut dist, &mut done) {
            // π(source) = 0, so π(sink) is the true cost of the shortest augmenting path.
            if self.pi_t >= 0 {
                return;
            }
            // The first search can follow the shortest path just found, so it always succeeds.
            if self.blocking() == 0 {
                debug_assert!(false, "no admissible path after Dijkstra");
                return;
            }
        }
    }
}

/// Solves the instance exactly (see the module header).
pub fn solve(inst: &Instance) -> Result<Outcome, InstanceError> {
    Ok(outcome(inst, &solved(inst)?))
}

/// The solver state at the optimum of `inst`.
pub(crate) fn solved(inst: &Instance) -> Result<Ssp, InstanceError> {
    let mut s = Ssp::new(prepare(inst)?, inst.counties.len());
    s.run();
    Ok(s)
}

/// The plan (or the infeasibility) that an optimal state `s` of `inst` stands for.
pub(crate) fn outcome(inst: &Instance, s: &Ssp) -> Outcome {
    let p = &s.p;
    let nc = inst.counties.len();
    let mut pairs = p.kept.clone();
    let mut objective: i64 = p.kept.iter().map(|k| -k.fit).sum();
    for (a, &f) in s.flow.iter().enumerate() {
        if f == FLOW {
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
        return Outcome::Feasible(plan);
    }
    Outcome::Infeasible(diagnose(inst, p, s, plan))
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
        for f in s.flow_in[c].iter().take(p.rem_min[c] as usize) {
            chosen[f.arc as usize] = true;
            f_cty[c] += 1;
        }
    }
    // County → all candidate arcs (usable organisations or not).
    let mut cstart = vec![0u32; nc + 1];
    for (a, &c) in p.arc_cty.iter().enumerate() {
        if s.flow[a] != GONE {
            cstart[c as usize + 1] += 1;
        }
    }
    for c in 0..nc {
        cstart[c + 1] += cstart[c];
    }
    let mut fill = cstart.clone();
    let mut carcs = vec![0u32; p.arc_cty.len()];
    for (a, &c) in p.arc_cty.iter().enumerate() {
        if s.flow[a] != GONE {
            carcs[fill[c as usize] as usize] = a as u32;
            fill[c as usize] += 1;
        }
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

/// One move of the county graph used by [`Ssp::reoptimise`] (node `nc` is the source and the
/// sink merged, which the circulation arc sink → source allows).
#[derive(Clone, Copy)]
enum Move {
    /// An organisation with spare capacity takes a county.
    Source(u32),
    /// An organisation leaves one county for another (off, on).
    Exchange(u32, u32),
    /// One more organisation for the county (its minimum part first).
    Sink(u32),
    /// One fewer (its extra part first).
    Unsink(u32),
    /// An organisation gives up a county and gets the capacity back.
    Release(u32),
}

impl Ssp {
    /// Brings organisation `o`'s marks in `usable` up to date after its capacity, its use or
    /// the state of one of its arcs changed outside `set_flow` and `take_unit` (an edit).
    pub(crate) fn revive(&mut self, o: usize) {
        let room = self.used[o] < self.p.rem_cap[o];
        for a in self.org_arcs(o) {
            self.mark(self.pos[a], room && self.flow[a] == FREE);
        }
    }

    /// Units of flow organisation `o` sends.
    pub(crate) fn used_of(&self, o: usize) -> u32 {
        self.used[o]
    }

    /// Whether organisation `o` can be taken from the source's candidate lists.
    pub(crate) fn listed(&self, o: usize) -> bool {
        self.org_arcs(o).all(|a| self.pos[a] != u32::MAX)
    }

    /// The candidate arc of organisation `o` to county `c`, if any.
    pub(crate) fn arc(&self, o: usize, c: u32) -> Option<usize> {
        let arcs = self.org_arcs(o);
        let first = arcs.start;
        self.p.arc_cty[arcs]
            .binary_search(&c)
            .ok()
            .map(|k| first + k)
    }

    /// Takes one unit of flow off arc `a` (the organisation gets the capacity back, the county
    /// loses one organisation); the result may be suboptimal until [`Ssp::reoptimise`].
    pub(crate) fn drop_flow(&mut self, a: usize) {
        let o = self.arc_org[a] as usize;
        let c = self.p.arc_cty[a] as usize;
        self.set_flow(a as u32, false);
        self.used[o] -= 1;
        self.unsink(c);
        self.revive(o);
    }

    fn unsink(&mut self, c: usize) {
        if self.x_ext[c] > 0 {
            self.x_ext[c] -= 1;
        } else {
            self.x_min[c] -= 1;
        }
    }

    /// Splits county `c`'s flow between its minimum and extra parts, minimum first (after its
    /// minimum or maximum changed; the total must be within the maximum).
    pub(crate) fn resplit(&mut self, c: usize) {
        let total = self.x_min[c] + self.x_ext[c];
        self.x_min[c] = total.min(self.p.rem_min[c]);
        self.x_ext[c] = total - self.x_min[c];
    }

    /// The worst-fit organisation flowing into `c` (the cheapest one to release).
    pub(crate) fn worst_in(&self, c: usize) -> Option<u32> {
        self.flow_in[c]
            .iter()
            .map(|f| f.arc)
            .max_by_key(|&a| (self.cost(a), a))
    }

    /// The moves out of node `u` (a county, or `nc` for the merged source–sink), with costs,
    /// that would lower some label; exchanges are checked (and repaired) before they are offered.
    fn moves(&mut self, u: usize, label: &[i64], out: &mut Vec<(u32, i64, Move)>) {
        out.clear();
        let nc = self.nc;
        if u == nc {
            for c in 0..nc {
                if let Some(a) = self.source_arc(c) {
                    out.push((c as u32, i64::from(self.cost(a)), Move::Source(a)));
                }
                if self.x_ext[c] > 0 {
                    out.push((c as u32, 0, Move::Unsink(c as u32)));
                } else if self.x_min[c] > 0 {
                    out.push((c as u32, self.big, Move::Unsink(c as u32)));
                }
            }
            return;
        }
        if let Some(sc) = self.sink_cost(u) {
            out.push((nc as u32, sc, Move::Sink(u as u32)));
        }
        if let Some(a) = self.worst_in(u) {
            out.push((nc as u32, -i64::from(self.cost(a)), Move::Release(a)));
        }
        let row = u * nc;
        for c2 in 0..nc {
            while self.w[row + c2][0] != NO_EXCHANGE
                && label[u] + i64::from(self.w[row + c2][0]) < label[c2]
                && !self.valid(row + c2)
            {
                if !self.promote(row + c2) {
                    self.recompute(u, c2);
                }
            }
            let wv = self.w[row + c2][0];
            if wv != NO_EXCHANGE && label[u] + i64::from(wv) < label[c2] {
                let [off, on, ..] = self.w_arcs[row + c2];
                out.push((c2 as u32, i64::from(wv), Move::Exchange(off, on)));
            }
        }
    }

    fn apply_move(&mut self, m: Move) {
        match m {
            Move::Source(a) => self.take_unit(a),
            Move::Exchange(off, on) => {
                self.set_flow(off, false);
                self.set_flow(on, true);
            }
            Move::Sink(c) => {
                let c = c as usize;
                if self.x_min[c] < self.p.rem_min[c] {
                    self.x_min[c] += 1;
                } else {
                    self.x_ext[c] += 1;
                }
            }
            Move::Unsink(c) => self.unsink(c as usize),
            Move::Release(a) => {
                let o = self.arc_org[a as usize] as usize;
                self.set_flow(a, false);
                self.used[o] -= 1;
                self.revive(o);
            }
        }
    }

    /// Restores optimality after edits, from the previous potentials: label-correcting shortest
    /// paths on the county graph (source and sink merged, so that flow may also leave an
    /// organisation or a county); a cycle in the predecessor graph is a negative cycle of the
    /// residual graph, and flow is sent around it; when labels settle, no negative cycle is left,
    /// so the circulation is optimal, and the labels are its new potentials.
    pub(crate) fn reoptimise(&mut self) {
        let nc = self.nc;
        let n = nc + 1;
        let mut label: Vec<i64> = self.pi_cty.iter().map(|&p| p - self.pi_t).collect();
        label.push(0);
        let mut out = Vec::new();
        'restart: loop {
            let mut parent: Vec<Option<(u32, Move)>> = vec![None; n];
            let mut queued = vec![true; n];
            let mut queue: std::collections::VecDeque<u32> = (0..n as u32).collect();
            let mut relaxed = 0usize;
            while let Some(u) = queue.pop_front() {
                let u = u as usize;
                queued[u] = false;
                self.moves(u, &label, &mut out);
                for &(v, k, m) in &out {
                    let v = v as usize;
                    if label[u] + k < label[v] {
                        label[v] = label[u] + k;
                        parent[v] = Some((u as u32, m));
                        if !queued[v] {
                            queued[v] = true;
                            queue.push_back(v as u32);
                        }
                        relaxed += 1;
                        if relaxed.is_multiple_of(n)
                            && let Some(cycle) = predecessor_cycle(&parent)
                        {
                            for m in cycle {
                                self.apply_move(m);
                            }
                            continue 'restart;
                        }
                    }
                }
            }
            if let Some(cycle) = predecessor_cycle(&parent) {
                for m in cycle {
                    self.apply_move(m);
                }
                continue 'restart;
            }
            for c in 0..nc {
                self.pi_cty[c] = label[c] - label[nc];
            }
            self.pi_t = 0;
            return;
        }
    }
}

/// The moves of a cycle in the predecessor graph, if there is one.
fn predecessor_cycle(parent: &[Option<(u32, Move)>]) -> Option<Vec<Move>> {
    let n = parent.len();
    // 0 unvisited, 1 on the current walk, 2 done.
    let mut mark = vec![0u8; n];
    for start in 0..n {
        let mut v = start;
        while mark[v] == 0 {
            mark[v] = 1;
            match parent[v] {
                Some((u, _)) => v = u as usize,
                None => break,
            }
        }
        if mark[v] == 1 && parent[v].is_some() {
            // `v` is on a cycle of the walk just made: collect it.
            let mut moves = Vec::new();
            let mut x = v;
            loop {
                let (u, m) = parent[x].expect("cycle");
                moves.push(m);
                x = u as usize;
                if x == v {
                    break;
                }
            }
            return Some(moves);
        }
        let mut w = start;
        while mark[w] == 1 {
            mark[w] = 2;
            match parent[w] {
                Some((u, _)) => w = u as usize,
                None => break,
            }
        }
    }
    None
}
