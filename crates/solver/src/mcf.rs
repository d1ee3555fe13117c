//! A general min-cost-flow network with lower bounds, its DIMACS form, and a small, obviously
//! correct reference solver.
//!
//! Guarantees: [`Network::write_dimacs`] writes the network in DIMACS `min` format (1-based node
//! ids, `a U V LOW CAP COST`); [`min_cost`] returns the exact minimum cost of a flow meeting every
//! lower bound, capacity and supply (or `None` when there is none). The reference solver is a
//! successive-shortest-path algorithm with Bellman–Ford searches: exact, meant for small networks
//! (tests and cross-checks), not for national instances.

use std::collections::VecDeque;

/// One arc: `low ≤ flow ≤ cap`, cost per unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arc {
    pub from: u32,
    pub to: u32,
    pub low: i64,
    pub cap: i64,
    pub cost: i64,
}

/// A network: `supply[v]` = outflow − inflow required at `v` (0-based node ids).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Network {
    pub supply: Vec<i64>,
    pub arcs: Vec<Arc>,
    /// Comment lines written at the top of the DIMACS file.
    pub comments: Vec<String>,
}

impl Network {
    pub fn nodes(&self) -> usize {
        self.supply.len()
    }

    /// Writes the network in DIMACS min-cost-flow format.
    pub fn write_dimacs<W: std::io::Write>(&self, w: &mut W) -> std::io::Result<()> {
        for c in &self.comments {
            writeln!(w, "c {c}")?;
        }
        writeln!(w, "p min {} {}", self.nodes(), self.arcs.len())?;
        for (v, &s) in self.supply.iter().enumerate() {
            if s != 0 || v < 2 {
                writeln!(w, "n {} {}", v + 1, s)?;
            }
        }
        for a in &self.arcs {
            writeln!(
                w,
                "a {} {} {} {} {}",
                a.from + 1,
                a.to + 1,
                a.low,
                a.cap,
                a.cost
            )?;
        }
        Ok(())
    }
}

/// The minimum cost and one optimal flow per arc, or `None` when no feasible flow exists.
pub fn min_cost(net: &Network) -> Option<(i64, Vec<i64>)> {
    let n = net.nodes() + 2;
    let (ss, tt) = (n - 2, n - 1);
    // Residual edges in pairs: 2i forward, 2i+1 backward.
    let mut to: Vec<usize> = Vec::new();
    let mut cap: Vec<i64> = Vec::new();
    let mut cost: Vec<i64> = Vec::new();
    let mut adj: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut add = |u: usize,
                   v: usize,
                   c_fwd: i64,
                   c_bwd: i64,
                   w: i64,
                   to: &mut Vec<usize>,
                   cap: &mut Vec<i64>,
                   cost: &mut Vec<i64>| {
        let e = to.len();
        to.push(v);
        cap.push(c_fwd);
        cost.push(w);
        to.push(u);
        cap.push(c_bwd);
        cost.push(-w);
        adj[u].push(e);
        adj[v].push(e + 1);
    };
    let mut b = net.supply.clone();
    b.resize(n, 0);
    for a in &net.arcs {
        if a.low > a.cap {
            return None;
        }
        // Start at the upper bound on negative arcs, at the lower bound otherwise: every residual
        // edge then has a non-negative cost, so there is no negative cycle.
        let f = if a.cost < 0 { a.cap } else { a.low };
        let (u, v) = (a.from as usize, a.to as usize);
        b[u] -= f;
        b[v] += f;
        add(
            u,
            v,
            a.cap - f,
            f - a.low,
            a.cost,
            &mut to,
            &mut cap,
            &mut cost,
        );
    }
    let mut need = 0i64;
    for v in 0..n - 2 {
        // b[v] = supply + inflow − outflow still to be sent out of v.
        if b[v] > 0 {
            need += b[v];
            add(ss, v, b[v], 0, 0, &mut to, &mut cap, &mut cost);
        } else if b[v] < 0 {
            add(v, tt, -b[v], 0, 0, &mut to, &mut cap, &mut cost);
        }
    }
    let mut sent = 0i64;
    while sent < need {
        let mut dist = vec![i64::MAX; n];
        let mut prev = vec![usize::MAX; n];
        let mut inq = vec![false; n];
        let mut q = VecDeque::new();
        dist[ss] = 0;
        q.push_back(ss);
        while let Some(u) = q.pop_front() {
            inq[u] = false;
            for &e in &adj[u] {
                if cap[e] > 0 && dist[u] + cost[e] < dist[to[e]] {
                    dist[to[e]] = dist[u] + cost[e];
                    prev[to[e]] = e;
                    if !inq[to[e]] {
                        inq[to[e]] = true;
                        q.push_back(to[e]);
                    }
                }
            }
        }
        if dist[tt] == i64::MAX {
            return None;
        }
        let mut d = need - sent;
        let mut v = tt;
        while v != ss {
            let e = prev[v];
            d = d.min(cap[e]);
            v = to[e ^ 1];
        }
        let mut v = tt;
        while v != ss {
            let e = prev[v];
            cap[e] -= d;
            cap[e ^ 1] += d;
            v = to[e ^ 1];
        }
        sent += d;
    }
    let flows: Vec<i64> = net
        .arcs
        .iter()
        .enumerate()
        .map(|(i, a)| a.low + cap[2 * i + 1])
        .collect();
    let total = net.arcs.iter().zip(&flows).map(|(a, f)| a.cost * f).sum();
    Some((total, flows))
}
