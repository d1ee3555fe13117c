//! `duijie plan-pairing`: the pairing-plan solver (duijie-solver) from the command line.
//!
//! Guarantees: `--generate ORGS,COUNTIES --seed N --out FILE` writes a byte-identical instance
//! for the same arguments (`--shape heavy` for the heavy-flow shape of
//! `duijie_solver::generate_shaped`; the default `national` shape is unchanged);
//! `--instance FILE` solves it exactly, `--dimacs OUT` also writes the
//! equivalent DIMACS min-cost-flow problem (its minimum cost is the reported objective), `--json`
//! prints `{"objective", "covered", "uncovered", "seconds", …}` (`uncovered`: county ids; when
//! infeasible, `objective` is null and `reasons` holds one `{county, kind, reason, group,
//! group_need, group_supply}` per uncovered county, plus a `best_effort` plan). Exit 0 when
//! feasible, 1 when infeasible (the uncovered counties with their reasons are printed), 2 on bad
//! input.
//! `--targets SPEC` (with `--database URL` or the configured database) builds the same kind of
//! instance from live data (`duijie_store::pairing::plan::build_instance`: willing organisations,
//! target counties, existing pairings, credit-list exclusions, east–west ties) and solves it the
//! same way; organisation ids are database ids and county ids are county codes; `--out` also
//! writes that instance to a file. Nothing is written to the database: a plan is a suggestion.

use anyhow::{Context, Result};
use clap::Args;
use duijie_solver::{Instance, Outcome, Plan};
use serde_json::json;
use std::fmt::Write as _;
use std::io::Write as _;
use std::time::Instant;

#[derive(Args)]
pub struct PlanArgs {
    /// Write a synthetic instance of ORGS organisations and COUNTIES target counties.
    #[arg(long, value_name = "ORGS,COUNTIES")]
    generate: Option<String>,
    /// Seed of the generator.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Shape of the generated instance: national (maxima 3–8, capacity 1–5) or heavy (maxima 100–200, capacity 1–8).
    #[arg(long, default_value = "national", value_parser = ["national", "heavy"])]
    shape: String,
    /// Where --generate writes the instance (JSON).
    #[arg(long, value_name = "INSTANCE")]
    out: Option<String>,
    /// Solve this instance (JSON).
    #[arg(long, value_name = "INSTANCE")]
    instance: Option<String>,
    /// Also write the equivalent min-cost-flow problem in DIMACS format.
    #[arg(long, value_name = "OUT.min")]
    dimacs: Option<String>,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
    /// Target counties on live data: national_key, national_key:53, provincial_key:53, counties:53.
    #[arg(long)]
    targets: Option<String>,
    /// With --targets: fewest organisations per county.
    #[arg(long, default_value_t = 1)]
    min: u32,
    /// With --targets: most organisations per county.
    #[arg(long, default_value_t = 3)]
    max: u32,
}

pub async fn run(args: PlanArgs, settings: &crate::config::Settings) -> Result<i32> {
    if let Some(spec) = &args.generate {
        let (o, c) = spec
            .split_once(',')
            .context("--generate 需要 ORGS,COUNTIES，例如 100000,700")?;
        let orgs: usize = o.trim().parse().context("--generate 的组织数不是整数")?;
        let counties: usize = c.trim().parse().context("--generate 的县数不是整数")?;
        let out = args
            .out
            .as_deref()
            .context("--generate 需要 --out 指定输出文件")?;
        let shape = duijie_solver::Shape::parse(&args.shape).context("--shape 只能是 national 或 heavy")?;
        let inst = duijie_solver::generate_shaped(orgs, counties, args.seed, shape);
        let mut w = std::io::BufWriter::new(
            std::fs::File::create(out).with_context(|| format!("无法写入 {out}"))?,
        );
        serde_json::to_writer(&mut w, &inst)?;
        w.flush()?;
        let arcs: usize = inst.orgs.iter().map(|o| o.candidates.len()).sum();
        eprintln!(
            "已生成算例 {out}：{orgs} 个组织、{counties} 个目标县、{arcs} 个候选结对（种子 {}）",
            args.seed
        );
        return Ok(0);
    }
    let inst = match (args.instance.as_deref(), args.targets.as_deref()) {
        (Some(_), Some(_)) => {
            eprintln!("错误：--instance 与 --targets 只能选一个：算例文件已包含目标县。");
            return Ok(2);
        }
        (Some(path), None) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("无法读取算例 {path}"))?;
            let inst: Instance = serde_json::from_str(&text).with_context(|| format!("算例 {path} 格式不对"))?;
            inst
        }
        (None, Some(spec)) => {
            let targets = match duijie_domain::pairing::Targets::parse(spec) {
                Ok(t) => t,
                Err(m) => {
                    eprintln!("错误：{m}");
                    return Ok(2);
                }
            };
            let db = crate::open(settings).await?;
            let tree = duijie_store::regions::RegionTree::load(&db).await?;
            let params = duijie_store::pairing::plan::Params { min: args.min, max: args.max };
            let inst = match duijie_store::pairing::plan::build_instance(&db, &tree, &targets, params).await {
                Ok(i) => i,
                Err(duijie_store::Error::Invalid(m)) => {
                    eprintln!("错误：{m}");
                    return Ok(2);
                }
                Err(e) => return Err(e.into()),
            };
            eprintln!(
                "已从数据库读取结对方案数据（{}）：{} 个有结对意愿的组织、{} 个目标县、{} 个现有结对、{} 个被排除的组织",
                targets.spec(),
                inst.orgs.len(),
                inst.counties.len(),
                inst.existing.len(),
                inst.excluded.len()
            );
            if let Some(out) = &args.out {
                let mut w = std::io::BufWriter::new(std::fs::File::create(out).with_context(|| format!("无法写入 {out}"))?);
                serde_json::to_writer(&mut w, &inst)?;
                w.flush()?;
                eprintln!("已写出算例 {out}");
            }
            inst
        }
        (None, None) => {
            eprintln!("错误：请指定 --instance 算例文件、--targets 目标县范围（在数据库上编制），或用 --generate ORGS,COUNTIES --out 文件 生成算例。");
            return Ok(2);
        }
    };
    if let Err(e) = inst.validate() {
        eprintln!("错误：算例无效：{e}");
        return Ok(2);
    }
    if let Some(out) = &args.dimacs {
        let net = duijie_solver::network(&inst)?;
        let mut w = std::io::BufWriter::new(
            std::fs::File::create(out).with_context(|| format!("无法写入 {out}"))?,
        );
        net.write_dimacs(&mut w)?;
        w.flush()?;
        eprintln!(
            "已写出 DIMACS 最小费用流问题 {out}：{} 个节点、{} 条弧",
            net.nodes(),
            net.arcs.len()
        );
    }
    let started = Instant::now();
    let outcome = duijie_solver::solve(&inst)?;
    let seconds = started.elapsed().as_secs_f64();
    let pairs_json = |plan: &Plan| -> Vec<serde_json::Value> {
        plan.pairs
            .iter()
            .map(|p| json!({"org": inst.orgs[p.org as usize].id, "county": inst.counties[p.county as usize].id, "fit": p.fit, "existing": p.existing}))
            .collect()
    };
    let released = |plan: &Plan| -> Vec<serde_json::Value> {
        plan.released.iter().map(|&(o, c)| json!({"org": inst.orgs[o as usize].id, "county": inst.counties[c as usize].id})).collect()
    };
    let n = inst.counties.len();
    let mut out = String::new();
    let code = match outcome {
        Outcome::Feasible(plan) => {
            let new = plan.pairs.iter().filter(|p| !p.existing).count();
            if args.json {
                let v = json!({
                    "feasible": true,
                    "objective": plan.objective,
                    "total_fit": plan.total_fit(),
                    "covered": n,
                    "uncovered": [],
                    "seconds": seconds,
                    "new_pairs": new,
                    "kept_pairs": plan.pairs.len() - new,
                    "released": released(&plan),
                    "pairs": pairs_json(&plan),
                });
                let _ = writeln!(out, "{v}");
            } else {
                let _ = writeln!(
                    out,
                    "结对方案（最优）：{n} 个目标县全部达到最少组织数；新建议结对 {new} 个，保留现有结对 {} 个，解除（已排除组织的）现有结对 {} 个。",
                    plan.pairs.len() - new,
                    plan.released.len()
                );
                let _ = writeln!(
                    out,
                    "总匹配度 {}（DIMACS 最小费用 {}），求解用时 {seconds:.3} 秒。",
                    plan.total_fit(),
                    plan.objective
                );
            }
            0
        }
        Outcome::Infeasible(inf) => {
            let covered = n - inf.uncovered.len();
            if args.json {
                let ids: Vec<&str> = inf
                    .uncovered
                    .iter()
                    .map(|u| inst.counties[u.county as usize].id.as_str())
                    .collect();
                let reasons: Vec<_> = inf
                    .uncovered
                    .iter()
                    .map(|u| {
                        json!({
                            "county": inst.counties[u.county as usize].id,
                            "kind": u.kind.code(),
                            "reason": u.reason,
                            "group": u.group.iter().map(|&g| inst.counties[g as usize].id.clone()).collect::<Vec<_>>(),
                            "group_need": u.group_need,
                            "group_supply": u.group_supply,
                        })
                    })
                    .collect();
                let v = json!({
                    "feasible": false,
                    "objective": null,
                    "covered": covered,
                    "uncovered": ids,
                    "reasons": reasons,
                    "shortfall": inf.shortfall,
                    "seconds": seconds,
                    "best_effort": {"objective": inf.best_effort.objective, "pairs": pairs_json(&inf.best_effort), "released": released(&inf.best_effort)},
                });
                let _ = writeln!(out, "{v}");
            } else {
                let _ = writeln!(
                    out,
                    "无可行方案：{} 个目标县中有 {} 个县可能达不到最少组织数（至少缺 {} 个结对）：",
                    n,
                    inf.uncovered.len(),
                    inf.shortfall
                );
                for u in &inf.uncovered {
                    let _ = writeln!(
                        out,
                        "  县 {}：{}",
                        inst.counties[u.county as usize].id, u.reason
                    );
                }
                let _ = writeln!(out, "求解用时 {seconds:.3} 秒。");
            }
            1
        }
    };
    // A closed pipe (`| head`) is not an error of the plan.
    match std::io::stdout().lock().write_all(out.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(code),
    }
}
