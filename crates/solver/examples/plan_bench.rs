//! Times the pairing solver on a generated instance, then re-optimisation after one edit of each
//! kind: `cargo run --release -p duijie-solver --example plan_bench -- ORGS,COUNTIES SEED
//! [national|heavy]`. Prints the solve time (wall and on-CPU, which differ on a loaded machine),
//! the objective, and for each edit its re-optimisation time and whether its objective equals a
//! from-scratch solve of the edited instance.

use duijie_solver::{Edit, Outcome, Planner, Shape, generate_shaped, solve};
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
    let mut planner = Planner::new(inst).expect("valid instance");
    let out = planner.outcome();
    let (secs, cpu) = (t.elapsed().as_secs_f64(), cpu_seconds() - cpu);
    println!(
        "solve seconds: {secs:.3} (on CPU {cpu:.3})  objective: {:?}",
        objective(&out)
    );
    let plan = match out {
        Outcome::Feasible(p) => p,
        Outcome::Infeasible(i) => i.best_effort,
    };
    let new_pair = plan.pairs.iter().find(|p| !p.existing).expect("a new pair");
    let busy = new_pair.org as usize;
    let capacity = planner.instance().orgs[busy].capacity;
    // An organisation with room left and a candidate county it is not paired with.
    let inst = planner.instance();
    let (free_org, free_cty) = (0..inst.orgs.len())
        .filter(|&o| !inst.excluded.contains(&(o as u32)))
        .find_map(|o| {
            let n = plan.pairs.iter().filter(|p| p.org as usize == o).count() as u32;
            let c = inst.orgs[o].candidates.iter().find(|&&c| {
                !plan
                    .pairs
                    .iter()
                    .any(|p| p.org as usize == o && p.county == c)
            })?;
            (n < inst.orgs[o].capacity).then_some((o as u32, *c))
        })
        .expect("an organisation with room");
    let edits = [
        (
            "remove a pair of the plan",
            Edit::RemovePair {
                org: new_pair.org,
                county: new_pair.county,
            },
        ),
        (
            "add a pair",
            Edit::AddPair {
                org: free_org,
                county: free_cty,
            },
        ),
        (
            "lower an organisation's capacity by one",
            Edit::SetCapacity {
                org: busy as u32,
                capacity: capacity.saturating_sub(1),
            },
        ),
        (
            "raise it by two",
            Edit::SetCapacity {
                org: busy as u32,
                capacity: capacity + 1,
            },
        ),
    ];
    for (what, edit) in edits {
        let (t, cpu) = (Instant::now(), cpu_seconds());
        let got = planner.apply(edit).expect("edit applies");
        let (secs, cpu) = (t.elapsed().as_secs_f64(), cpu_seconds() - cpu);
        let scratch = solve(planner.instance()).expect("valid instance");
        println!(
            "re-optimise after '{what}': {:.1} ms (on CPU {:.1} ms)  objective: {:?}  same as from scratch: {}",
            secs * 1e3,
            cpu * 1e3,
            objective(&got),
            objective(&got) == objective(&scratch)
        );
    }
}

fn objective(out: &Outcome) -> Option<i64> {
    match out {
        Outcome::Feasible(p) => Some(p.objective),
        Outcome::Infeasible(_) => None,
    }
}

/// Time this thread has spent on a CPU (Linux `/proc/thread-self/schedstat`), so that a shared
/// machine's load shows as the gap between wall and CPU time.
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(f64::NAN, |ns| ns / 1e9)
}
