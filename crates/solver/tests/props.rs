//! Property tests: optimality against brute force and against the reference min-cost flow,
//! constraint satisfaction, exact infeasibility reports, DIMACS round trip, generator determinism.

use duijie_solver::mcf::{self, Arc, Network};
use duijie_solver::{
    County, Instance, Org, Outcome, Plan, ReasonKind, Shape, generate, generate_shaped, network,
    solve,
};
use proptest::prelude::*;
use std::collections::BTreeSet;

fn small_instance() -> impl Strategy<Value = Instance> {
    (1usize..=5, 1usize..=4)
        .prop_flat_map(|(no, nc)| {
            let org = (
                0u32..3,
                0u32..=3,
                proptest::collection::vec(0u32..3, 0..3),
                proptest::collection::vec(0u32..3, 0..2),
                proptest::collection::vec(any::<bool>(), nc),
            );
            let cty = (
                0u32..3,
                0u32..=3,
                0u32..=2,
                proptest::collection::vec(0u32..=3, 3),
            );
            (
                proptest::collection::vec(org, no),
                proptest::collection::vec(cty, nc),
                proptest::collection::vec((0..no as u32, 0..nc as u32), 0..3),
                proptest::collection::vec(0..no as u32, 0..2),
                proptest::collection::vec((0u32..3, 0u32..3), 0..3),
            )
        })
        .prop_map(|(orgs, ctys, existing, excluded, ties)| {
            let nc = ctys.len();
            let mut inst = Instance {
                fields: vec!["a".into(), "b".into(), "c".into()],
                provinces: vec!["p0".into(), "p1".into(), "p2".into()],
                ties: ties.into_iter().map(|(a, b)| [a, b]).collect(),
                orgs: orgs
                    .into_iter()
                    .enumerate()
                    .map(|(i, (province, capacity, mut fields, preferred, mask))| {
                        fields.sort_unstable();
                        fields.dedup();
                        Org {
                            id: format!("O{i}"),
                            province,
                            capacity,
                            fields,
                            preferred,
                            candidates: (0..nc as u32).filter(|&c| mask[c as usize]).collect(),
                        }
                    })
                    .collect(),
                counties: ctys
                    .into_iter()
                    .enumerate()
                    .map(|(i, (province, min, extra, needs))| County {
                        id: format!("C{i}"),
                        province,
                        min,
                        max: min + extra,
                        needs,
                    })
                    .collect(),
                existing: Vec::new(),
                excluded: excluded
                    .into_iter()
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect(),
            };
            let mut seen = BTreeSet::new();
            for (o, c) in existing {
                if seen.insert((o, c)) {
                    inst.existing.push([o, c]);
                }
            }
            // Repair so that existing pairings fit capacities and maxima.
            let ex = inst.excluded_mask();
            for e in &inst.existing {
                if !ex[e[0] as usize] {
                    let n = inst.existing.iter().filter(|x| x[0] == e[0]).count() as u32;
                    let o = &mut inst.orgs[e[0] as usize];
                    o.capacity = o.capacity.max(n);
                }
            }
            for c in 0..nc {
                let n = inst
                    .existing
                    .iter()
                    .filter(|x| x[1] == c as u32 && !ex[x[0] as usize])
                    .count() as u32;
                let k = &mut inst.counties[c];
                k.max = k.max.max(n);
            }
            inst
        })
}

struct Brute {
    best: Option<i64>,
    min_short: u64,
    short_union: BTreeSet<u32>,
}

fn brute(inst: &Instance) -> Brute {
    let ex = inst.excluded_mask();
    let mut used_o = vec![0u32; inst.orgs.len()];
    let mut used_c = vec![0u32; inst.counties.len()];
    let mut base = 0i64;
    let existing: BTreeSet<(u32, u32)> = inst
        .existing
        .iter()
        .filter(|e| !ex[e[0] as usize])
        .map(|e| (e[0], e[1]))
        .collect();
    for &(o, c) in &existing {
        used_o[o as usize] += 1;
        used_c[c as usize] += 1;
        base += inst.fit(o as usize, c as usize);
    }
    let mut pairs = Vec::new();
    for (o, org) in inst.orgs.iter().enumerate() {
        if ex[o] {
            continue;
        }
        for &c in org.candidates.iter().collect::<BTreeSet<_>>() {
            if !existing.contains(&(o as u32, c)) {
                pairs.push((o, c as usize, inst.fit(o, c as usize)));
            }
        }
    }
    let mut out = Brute {
        best: None,
        min_short: u64::MAX,
        short_union: BTreeSet::new(),
    };
    fn rec(
        i: usize,
        pairs: &[(usize, usize, i64)],
        inst: &Instance,
        uo: &mut Vec<u32>,
        uc: &mut Vec<u32>,
        fit: i64,
        out: &mut Brute,
    ) {
        if i == pairs.len() {
            let short: u64 = inst
                .counties
                .iter()
                .enumerate()
                .map(|(c, k)| u64::from(k.min.saturating_sub(uc[c])))
                .sum();
            if short == 0 {
                out.best = Some(out.best.map_or(fit, |b: i64| b.max(fit)));
            }
            let shorts: BTreeSet<u32> = (0..uc.len())
                .filter(|&c| uc[c] < inst.counties[c].min)
                .map(|c| c as u32)
                .collect();
            if short < out.min_short {
                out.min_short = short;
                out.short_union = shorts;
            } else if short == out.min_short {
                out.short_union.extend(shorts);
            }
            return;
        }
        rec(i + 1, pairs, inst, uo, uc, fit, out);
        let (o, c, f) = pairs[i];
        if uo[o] < inst.orgs[o].capacity && uc[c] < inst.counties[c].max {
            uo[o] += 1;
            uc[c] += 1;
            rec(i + 1, pairs, inst, uo, uc, fit + f, out);
            uo[o] -= 1;
            uc[c] -= 1;
        }
    }
    rec(0, &pairs, inst, &mut used_o, &mut used_c, base, &mut out);
    out
}

/// Every constraint of the crate header; returns the plan's total fit.
fn check_plan(inst: &Instance, plan: &Plan, need_minima: bool) -> i64 {
    let ex = inst.excluded_mask();
    let mut seen = BTreeSet::new();
    let mut uo = vec![0u32; inst.orgs.len()];
    let mut uc = vec![0u32; inst.counties.len()];
    let mut fit = 0;
    for p in &plan.pairs {
        assert!(seen.insert((p.org, p.county)), "pair twice");
        assert!(!ex[p.org as usize], "excluded organisation in plan");
        let is_existing = inst
            .existing
            .iter()
            .any(|e| e[0] == p.org && e[1] == p.county);
        assert_eq!(p.existing, is_existing);
        if !p.existing {
            assert!(
                inst.orgs[p.org as usize].candidates.contains(&p.county),
                "not a candidate pair"
            );
        }
        assert_eq!(p.fit, inst.fit(p.org as usize, p.county as usize));
        uo[p.org as usize] += 1;
        uc[p.county as usize] += 1;
        fit += p.fit;
    }
    for e in &inst.existing {
        let kept = plan.pairs.iter().any(|p| p.org == e[0] && p.county == e[1]);
        assert_eq!(
            kept, !ex[e[0] as usize],
            "existing pairing kept iff not excluded"
        );
        assert_eq!(plan.released.contains(&(e[0], e[1])), ex[e[0] as usize]);
    }
    for (o, org) in inst.orgs.iter().enumerate() {
        assert!(uo[o] <= org.capacity, "capacity");
    }
    for (c, k) in inst.counties.iter().enumerate() {
        assert!(uc[c] <= k.max, "maximum");
        if need_minima {
            assert!(uc[c] >= k.min, "minimum");
        }
    }
    assert_eq!(plan.objective, -fit);
    fit
}

fn parse_dimacs(text: &str) -> Network {
    let mut net = Network::default();
    for line in text.lines() {
        let t: Vec<&str> = line.split_whitespace().collect();
        match t.first() {
            Some(&"p") => {
                assert_eq!(t[1], "min");
                net.supply = vec![0; t[2].parse().unwrap()];
                net.arcs.reserve(t[3].parse().unwrap());
            }
            Some(&"n") => net.supply[t[1].parse::<usize>().unwrap() - 1] = t[2].parse().unwrap(),
            Some(&"a") => {
                let v: Vec<i64> = t[1..6].iter().map(|x| x.parse().unwrap()).collect();
                net.arcs.push(Arc {
                    from: (v[0] - 1) as u32,
                    to: (v[1] - 1) as u32,
                    low: v[2],
                    cap: v[3],
                    cost: v[4],
                });
            }
            _ => {}
        }
    }
    net
}

fn dimacs_objective(inst: &Instance) -> Option<i64> {
    let mut buf = Vec::new();
    network(inst).unwrap().write_dimacs(&mut buf).unwrap();
    mcf::min_cost(&parse_dimacs(&String::from_utf8(buf).unwrap())).map(|(c, _)| c)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn matches_brute_force(inst in small_instance()) {
        let b = brute(&inst);
        match solve(&inst).unwrap() {
            Outcome::Feasible(plan) => {
                prop_assert_eq!(b.best, Some(-plan.objective));
                check_plan(&inst, &plan, true);
            }
            Outcome::Infeasible(inf) => {
                prop_assert_eq!(b.best, None);
                prop_assert_eq!(inf.shortfall, b.min_short);
                let named: BTreeSet<u32> = inf.uncovered.iter().map(|u| u.county).collect();
                prop_assert_eq!(&named, &b.short_union);
                for u in &inf.uncovered {
                    prop_assert!(!u.reason.is_empty());
                    prop_assert!(u.group.contains(&u.county));
                    prop_assert!(u.group_need > u.group_supply);
                    if u.kind == ReasonKind::NoCandidate {
                        prop_assert!(inst.orgs.iter().all(|o| !o.candidates.contains(&u.county)));
                    }
                }
                // The best-effort plan covers as many minimum places as possible.
                let fit = check_plan(&inst, &inf.best_effort, false);
                prop_assert_eq!(fit, -inf.best_effort.objective);
            }
        }
    }

    #[test]
    fn dimacs_round_trip(inst in small_instance()) {
        let ours = match solve(&inst).unwrap() { Outcome::Feasible(p) => Some(p.objective), Outcome::Infeasible(_) => None };
        prop_assert_eq!(dimacs_objective(&inst), ours);
    }

    #[test]
    fn heavy_shape_matches_reference(seed in 0u64..10_000, no in 20usize..120, nc in 2usize..10) {
        let mut inst = generate_shaped(no, nc, seed, Shape::Heavy);
        // Maxima within reach, so that counties compete and minima sometimes bite.
        for (i, c) in inst.counties.iter_mut().enumerate() {
            c.max = c.max % 40 + 1;
            c.min = ((seed as usize + i) % 5) as u32 * c.max / 4;
        }
        if inst.validate().is_err() { return Ok(()); }
        let reference = mcf::min_cost(&network(&inst).unwrap()).map(|(c, _)| c);
        match solve(&inst).unwrap() {
            Outcome::Feasible(plan) => {
                prop_assert_eq!(reference, Some(plan.objective));
                check_plan(&inst, &plan, true);
            }
            Outcome::Infeasible(inf) => {
                prop_assert_eq!(reference, None);
                check_plan(&inst, &inf.best_effort, false);
            }
        }
    }

    #[test]
    fn matches_reference_on_medium(seed in 0u64..10_000, no in 5usize..60, nc in 2usize..15) {
        let mut inst = generate(no, nc, seed);
        // Make minima bite sometimes.
        for (i, c) in inst.counties.iter_mut().enumerate() {
            c.min = ((seed as usize + i) % 4) as u32;
            c.max = c.max.max(c.min);
        }
        if inst.validate().is_err() { return Ok(()); }
        let reference = mcf::min_cost(&network(&inst).unwrap()).map(|(c, _)| c);
        match solve(&inst).unwrap() {
            Outcome::Feasible(plan) => {
                prop_assert_eq!(reference, Some(plan.objective));
                check_plan(&inst, &plan, true);
            }
            Outcome::Infeasible(inf) => {
                prop_assert_eq!(reference, None);
                prop_assert!(!inf.uncovered.is_empty());
                check_plan(&inst, &inf.best_effort, false);
            }
        }
    }
}

#[test]
fn generator_is_deterministic() {
    let a = generate(2000, 120, 7);
    let b = generate(2000, 120, 7);
    assert_eq!(a, b);
    assert_eq!(
        serde_json::to_vec(&a).unwrap(),
        serde_json::to_vec(&b).unwrap()
    );
    assert_ne!(a, generate(2000, 120, 8));
    a.validate().unwrap();
    assert!(
        a.orgs
            .iter()
            .all(|o| o.candidates.len() == 50 && (1..=5).contains(&o.capacity))
    );
    assert!(
        a.counties
            .iter()
            .all(|c| c.min == 1 && (3..=8).contains(&c.max))
    );
    assert_eq!(generate(10, 6, 1).orgs[0].candidates.len(), 3);
}

#[test]
fn generated_instance_is_optimal() {
    let inst = generate(300, 40, 3);
    let Outcome::Feasible(plan) = solve(&inst).unwrap() else {
        panic!("infeasible")
    };
    check_plan(&inst, &plan, true);
    assert_eq!(
        mcf::min_cost(&network(&inst).unwrap()).map(|(c, _)| c),
        Some(plan.objective)
    );
}

fn county(id: &str, min: u32, max: u32) -> County {
    County {
        id: id.into(),
        province: 0,
        min,
        max,
        needs: vec![1],
    }
}
fn org(id: &str, capacity: u32, candidates: Vec<u32>) -> Org {
    Org {
        id: id.into(),
        province: 0,
        capacity,
        fields: vec![0],
        preferred: vec![],
        candidates,
    }
}

#[test]
fn infeasibility_reasons() {
    // C0: no candidate. C1, C2 share one organisation of capacity 1. C3: only candidate excluded.
    // C4 is fine.
    let inst = Instance {
        fields: vec!["教育".into()],
        provinces: vec!["云南".into()],
        ties: vec![],
        orgs: vec![
            org("A", 1, vec![1, 2]),
            org("B", 2, vec![3]),
            org("C", 2, vec![4, 1]),
        ],
        counties: vec![
            county("C0", 1, 2),
            county("C1", 1, 2),
            county("C2", 1, 2),
            county("C3", 1, 2),
            county("C4", 1, 2),
        ],
        existing: vec![[2, 4]],
        excluded: vec![1],
    };
    let Outcome::Infeasible(inf) = solve(&inst).unwrap() else {
        panic!("should be infeasible")
    };
    let got: Vec<(u32, ReasonKind)> = inf.uncovered.iter().map(|u| (u.county, u.kind)).collect();
    // C1 can take C (capacity 2, one used by C4), so only C2 and … let brute force decide the set.
    let b = brute(&inst);
    assert_eq!(
        got.iter().map(|g| g.0).collect::<BTreeSet<_>>(),
        b.short_union
    );
    assert!(got.contains(&(0, ReasonKind::NoCandidate)));
    assert!(got.contains(&(3, ReasonKind::TooFewCandidates)));
    let c3 = inf.uncovered.iter().find(|u| u.county == 3).unwrap();
    assert_eq!(c3.candidates_excluded, 1);
    // Now make C the only hope of both C1 and C2 and give it no spare capacity.
    let mut inst2 = inst.clone();
    inst2.orgs[2].capacity = 1;
    inst2.orgs[2].candidates = vec![4];
    let Outcome::Infeasible(inf2) = solve(&inst2).unwrap() else {
        panic!()
    };
    let shared: Vec<_> = inf2
        .uncovered
        .iter()
        .filter(|u| u.kind == ReasonKind::SharedCapacity)
        .collect();
    assert_eq!(
        shared.iter().map(|u| u.county).collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert_eq!((shared[0].group_need, shared[0].group_supply), (2, 1));
    assert!(shared[0].reason.contains("C2"), "{}", shared[0].reason);
}

/// The random small instances exercise both outcomes, existing pairings and exclusions.
#[test]
fn small_instances_cover_both_outcomes() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut feasible, mut infeasible, mut with_existing, mut with_new) = (0, 0, 0, 0);
    for _ in 0..500 {
        let inst = small_instance().new_tree(&mut runner).unwrap().current();
        match solve(&inst).unwrap() {
            Outcome::Feasible(p) => {
                feasible += 1;
                with_new += usize::from(p.pairs.iter().any(|x| !x.existing));
            }
            Outcome::Infeasible(_) => infeasible += 1,
        }
        with_existing += usize::from(!inst.existing.is_empty());
    }
    assert!(
        feasible > 50 && infeasible > 50 && with_existing > 50 && with_new > 50,
        "{feasible} {infeasible} {with_existing} {with_new}"
    );
}

/// FNV-1a of a generated instance's JSON: the default shape's instances never change.
fn fingerprint(inst: &Instance) -> u64 {
    serde_json::to_vec(inst)
        .unwrap()
        .iter()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
}

#[test]
fn default_shape_is_unchanged() {
    // Value computed with the generator before shapes existed (commit e40d82d).
    assert_eq!(
        fingerprint(&generate(2000, 120, 7)),
        17_887_490_092_471_033_580
    );
    assert_eq!(
        generate(2000, 120, 7),
        generate_shaped(2000, 120, 7, Shape::National)
    );
}

#[test]
fn heavy_shape_is_deterministic_and_heavy() {
    let a = generate_shaped(2000, 30, 5, Shape::Heavy);
    assert_eq!(a, generate_shaped(2000, 30, 5, Shape::Heavy));
    a.validate().unwrap();
    assert!(a.orgs.iter().all(|o| (1..=8).contains(&o.capacity)));
    assert!(a.counties.iter().all(|c| (100..=200).contains(&c.max)));
    assert_eq!(Shape::parse("heavy"), Some(Shape::Heavy));
    assert_eq!(Shape::parse("national"), Some(Shape::National));
}

/// Re-optimising after an edit gives what a from-scratch solve of the edited instance gives:
/// random small instances of both shapes, random sequences of the three kinds of edit.
#[test]
fn replanning_matches_solving_from_scratch() {
    use duijie_solver::generate::Rng;
    use duijie_solver::{Edit, Planner};
    let mut rng = Rng::new(18);
    let (mut applied, mut refused, mut infeasible) = (0, 0, 0);
    for round in 0..300u64 {
        let shape = if round % 2 == 0 {
            Shape::National
        } else {
            Shape::Heavy
        };
        let no = rng.range(3, 40) as usize;
        let nc = rng.range(2, 9) as usize;
        let mut inst = generate_shaped(no, nc, round, shape);
        for c in inst.counties.iter_mut() {
            c.max = rng.range(1, if shape == Shape::Heavy { 30 } else { 6 });
            c.min = rng.range(0, c.max.min(3));
        }
        if inst.validate().is_err() {
            continue;
        }
        let mut planner = Planner::new(inst).unwrap();
        for _ in 0..4 {
            let inst = planner.instance();
            let o = rng.below(inst.orgs.len() as u64) as u32;
            let org = &inst.orgs[o as usize];
            let edit = match rng.below(3) {
                0 => {
                    // A pair of the current plan when there is one, else any pair of the org.
                    let plan = match planner.outcome() {
                        Outcome::Feasible(p) => p,
                        Outcome::Infeasible(i) => i.best_effort,
                    };
                    match plan
                        .pairs
                        .get(rng.below(plan.pairs.len().max(1) as u64) as usize)
                    {
                        Some(p) => Edit::RemovePair {
                            org: p.org,
                            county: p.county,
                        },
                        None => Edit::RemovePair {
                            org: o,
                            county: org.candidates.first().copied().unwrap_or(0),
                        },
                    }
                }
                1 => Edit::AddPair {
                    org: o,
                    county: rng.below(inst.counties.len() as u64) as u32,
                },
                _ => Edit::SetCapacity {
                    org: o,
                    capacity: rng.range(0, 8),
                },
            };
            let before = planner.instance().clone();
            let got = match planner.apply(edit) {
                Ok(got) => got,
                Err(_) => {
                    refused += 1;
                    assert_eq!(
                        planner.instance(),
                        &before,
                        "a refused edit changes nothing"
                    );
                    continue;
                }
            };
            applied += 1;
            let inst = planner.instance();
            inst.validate().unwrap();
            match (got, solve(inst).unwrap()) {
                (Outcome::Feasible(a), Outcome::Feasible(b)) => {
                    assert_eq!(a.objective, b.objective, "round {round} {edit:?}");
                    check_plan(inst, &a, true);
                }
                (Outcome::Infeasible(a), Outcome::Infeasible(b)) => {
                    infeasible += 1;
                    assert_eq!(a.shortfall, b.shortfall, "round {round} {edit:?}");
                    assert_eq!(
                        a.best_effort.objective, b.best_effort.objective,
                        "round {round} {edit:?}"
                    );
                    let (ua, ub): (Vec<u32>, Vec<u32>) = (
                        a.uncovered.iter().map(|u| u.county).collect(),
                        b.uncovered.iter().map(|u| u.county).collect(),
                    );
                    assert_eq!(ua, ub, "round {round} {edit:?}");
                    check_plan(inst, &a.best_effort, false);
                }
                (a, b) => panic!("round {round} {edit:?}: feasibility differs: {a:?} vs {b:?}"),
            }
        }
    }
    assert!(
        applied > 500 && refused > 5 && infeasible > 50,
        "{applied} {refused} {infeasible}"
    );
}
