//! Times the pairing solver on a generated instance: `cargo run --release -p duijie-solver
//! --example plan_bench -- ORGS,COUNTIES SEED [national|heavy]`. Prints the solve time and the
//! objective.

use duijie_solver::{Outcome, Shape, generate_shaped, solve};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let size = args.first().map_or("100000,700", String::as_str);
    let seed: u64 = args.get(1).map_or(1, |s| s.parse().expect("seed"));
    let shape = Shape::parse(args.get(2).map_or("national", String::as_str)).expect("shape");
    let (o, c) = size.split_once(',').expect("ORGS,COUNTIES");
    let inst = generate_shaped(
        o.parse().expect("orgs"),
        c.parse().expect("counties"),
        seed,
        shape,
    );
    let (t, cpu) = (Instant::now(), cpu_seconds());
    let out = solve(&inst).expect("valid instance");
    let (secs, cpu) = (t.elapsed().as_secs_f64(), cpu_seconds() - cpu);
    let (objective, pairs) = match &out {
        Outcome::Feasible(p) => (Some(p.objective), p.pairs.len()),
        Outcome::Infeasible(i) => (None, i.best_effort.pairs.len()),
    };
    println!(
        "solve seconds: {secs:.3} (on CPU {cpu:.3})  objective: {objective:?}  pairs: {pairs}"
    );
}

/// Time this thread has spent on a CPU (Linux `/proc/thread-self/schedstat`), so that a shared
/// machine's load shows as the gap between wall and CPU time.
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(f64::NAN, |ns| ns / 1e9)
}
