//! The projects dashboard (项目统计, `/projects/stats`): for the caller's
//! scope and a chosen period, the organisations taking part, projects,
//! funds, people and beneficiaries; by 项目性质, by field, by child region (a
//! map of a province's prefectures, or of the provinces for the whole
//! country) and by the month projects start (a chart drawn on the server as
//! SVG, nothing loaded from outside); for officers, the matching success rate
//! and the pairing coverage of the national key counties beside them.
//!
//! Guarantees: every project figure is computed by
//! `duijie_app::projects::dashboard` over exactly the rows the project list
//! shows for the same filter, and links to that list (a month's bar to the
//! projects starting that month); the success rate and the coverage link to
//! their own pages for the same region and period.

use crate::auth::CurrentUser;
use crate::pages::demand::query_string;
use crate::pages::{Layout, wan};
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use duijie_app::projects::{self as ops, ListInput};
use duijie_domain::{FieldError, Level};
use duijie_store::projects::{Group, Totals};
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new().route("/projects/stats", get(stats))
}

/// A figure with the list behind it.
struct Figure {
    label: &'static str,
    value: String,
    href: String,
}

/// A row of a breakdown.
struct Line {
    name: String,
    href: Option<String>,
    orgs: i64,
    projects: i64,
    done: i64,
    funds: String,
    people: i64,
    beneficiaries: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "project_stats.html")]
struct StatsPage {
    layout: Layout,
    q: ListInput,
    natures: Vec<String>,
    fields: Vec<&'static str>,
    figures: Vec<Figure>,
    /// (title, element id, rows): by child region, by 项目性质, by field.
    sections: Vec<(&'static str, &'static str, Vec<Line>)>,
    map: String,
    chart: String,
    /// When the figures shown were computed, if the projects changed since and newer ones are being computed.
    updating: Option<String>,
    errors: Vec<FieldError>,
}

impl StatsPage {
    fn err(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
}

/// The project list's address for `q` with `overrides` replacing its fields.
fn list_href(q: &ListInput, overrides: &[(&'static str, &str)]) -> String {
    let mut pairs: Vec<(&str, String)> = vec![("region", q.region.clone()), ("nature", q.nature.clone()), ("field", q.field.clone()), ("action", q.action.clone()), ("status", q.status.clone()), ("from", q.from.clone()), ("to", q.to.clone()), ("started", q.started.clone())];
    for (k, v) in overrides {
        if let Some(p) = pairs.iter_mut().find(|(key, _)| key == k) {
            p.1 = v.to_string();
        }
    }
    let qs = query_string(&pairs.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>());
    if qs.is_empty() { "/projects".into() } else { format!("/projects?{qs}") }
}

fn line(name: String, href: Option<String>, t: &Totals) -> Line {
    Line { name, href, orgs: t.orgs, projects: t.projects, done: t.done, funds: wan(&t.funds_fen), people: t.people, beneficiaries: t.beneficiaries }
}

/// Bars of projects started per month, as an SVG; each bar links to the
/// projects starting that month.
fn month_chart(q: &ListInput, months: &[Group]) -> String {
    let months: Vec<&Group> = months.iter().filter(|g| !g.key.is_empty()).collect();
    if months.is_empty() {
        return String::new();
    }
    let max = months.iter().map(|g| g.totals.projects).max().unwrap_or(1).max(1) as f64;
    let (bar, gap, height) = (28.0, 12.0, 160.0);
    let width = months.len() as f64 * (bar + gap) + gap;
    let mut svg = format!(r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {}" role="img" aria-label="按开始月份的项目数" class="chart" id="month-chart">"#, height + 40.0);
    for (i, g) in months.iter().enumerate() {
        let h = (g.totals.projects as f64 / max * height).max(1.0);
        let x = gap + i as f64 * (bar + gap);
        let title = format!("{}：{} 个项目，投入 {} 万元", g.key, g.totals.projects, wan(&g.totals.funds_fen));
        svg.push_str(&format!(
            r##"<a href="{}"><title>{}</title><rect x="{x}" y="{}" width="{bar}" height="{h}" fill="#409eff"/><text x="{}" y="{}" font-size="11" text-anchor="middle">{}</text><text x="{}" y="{}" font-size="10" text-anchor="middle">{}</text></a>"##,
            askama_escape(&list_href(q, &[("started", &g.key)])),
            askama_escape(&title),
            height - h + 14.0,
            x + bar / 2.0,
            height - h + 10.0,
            g.totals.projects,
            x + bar / 2.0,
            height + 30.0,
            askama_escape(g.key.get(2..).unwrap_or(&g.key)),
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// The map of the child regions: a province's prefectures, or for the whole
/// country its provinces (each prefecture drawn in its province's shade);
/// every area links to its projects. Empty below a province (no outlines).
/// The map of the child regions, drawn once per computation of the figures
/// (the links carry the filter of the request that drew it: the same filter).
fn region_map(q: &ListInput, d: &ops::Dashboard) -> String {
    d.kept.map.get_or_init(|| draw_map(q, d)).clone()
}

fn draw_map(q: &ListInput, d: &ops::Dashboard) -> String {
    let shade = |g: &Group, name: &str| {
        let fill = match g.totals.projects {
            0 => "#f2f3f5",
            1..=4 => "#c6e2ff",
            5..=19 => "#79bbff",
            _ => "#337ecc",
        };
        duijie_geo::Shade { fill: fill.into(), title: format!("{name}：{} 个项目，投入 {} 万元", g.totals.projects, wan(&g.totals.funds_fen)), href: Some(list_href(q, &[("region", &g.key)])) }
    };
    match d.within.level() {
        Level::Province => {
            let shades: HashMap<String, duijie_geo::Shade> = d.by_region.iter().map(|(g, name)| (g.key.clone(), shade(g, name))).collect();
            duijie_geo::choropleth(d.within.as_str(), &shades, "#f2f3f5")
        }
        Level::National => {
            let provinces: HashMap<&str, duijie_geo::Shade> = d.by_region.iter().map(|(g, name)| (g.key.as_str(), shade(g, name))).collect();
            let shades: HashMap<String, duijie_geo::Shade> =
                duijie_geo::prefectures().iter().filter_map(|o| Some((o.code.clone(), provinces.get(o.code.get(..2)?)?.clone()))).collect();
            duijie_geo::choropleth("", &shades, "#f2f3f5")
        }
        _ => String::new(),
    }
}

fn askama_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

async fn stats(State(state): State<AppState>, cu: CurrentUser, Query(q): Query<ListInput>) -> Result<Response, AppError> {
    let who = &cu.principal;
    let (d, errors) = match q.check(&state, who).await {
        Ok(f) => (Some(ops::dashboard(&state, who, &f).await?), Vec::new()),
        Err(duijie_app::Error::Invalid(errors)) => (None, errors),
        Err(e) => return Err(e.into()),
    };
    let all = list_href(&q, &[]);
    let (mut figures, mut by_nature, mut by_field, mut by_region, mut map, mut chart) = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), String::new(), String::new());
    if let Some(d) = &d {
        let t = &d.totals;
        figures = vec![
            Figure { label: "参与社会组织", value: t.orgs.to_string(), href: all.clone() },
            Figure { label: "帮扶项目", value: t.projects.to_string(), href: all.clone() },
            Figure { label: "已完成（受益方确认）", value: t.done.to_string(), href: list_href(&q, &[("status", "done")]) },
            Figure { label: "投入资金（万元）", value: wan(&t.funds_fen), href: all.clone() },
            Figure { label: "投入人员", value: t.people.to_string(), href: all.clone() },
            Figure { label: "受益人数", value: t.beneficiaries.to_string(), href: all.clone() },
        ];
        by_nature = d.by_nature.iter().map(|g| line(g.key.clone(), Some(list_href(&q, &[("nature", &g.key)])), &g.totals)).collect();
        by_field = d.by_field.iter().map(|g| if g.key.is_empty() { line("未指定".into(), None, &g.totals) } else { line(g.key.clone(), Some(list_href(&q, &[("field", &g.key)])), &g.totals) }).collect();
        by_region = d.by_region.iter().map(|(g, name)| line(name.clone(), Some(list_href(&q, &[("region", &g.key)])), &g.totals)).collect();
        map = region_map(&q, d);
        chart = month_chart(&q, &d.by_month);
        if let Some(m) = &d.matching {
            let r = &m.rate.total;
            figures.push(Figure {
                label: "需求对接成功率",
                value: if r.published == 0 { "—".into() } else { format!("{}（{}/{}）", r.percent(), r.matched, r.published) },
                href: format!("/stats/matching?region={}&from={}&to={}", d.within.as_str(), m.from.format("%Y-%m-%d"), m.to.format("%Y-%m-%d")),
            });
        }
        if let Some(c) = &d.coverage {
            let s = &c.summary;
            figures.push(Figure {
                label: "重点帮扶县结对覆盖",
                value: format!("{}/{}", s.one + s.several, s.targets),
                href: format!("/pairing/coverage?{}", query_string(&[("targets", c.targets.as_str())])),
            });
        }
    }
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = StatsPage {
        layout: Layout::new(&state, &cu, "projects", None).await,
        natures: ops::natures(&state, who).await?,
        fields: duijie_domain::org::FIELDS.to_vec(),
        figures,
        sections: vec![("按下级地区", "by-region", by_region), ("按项目性质", "by-nature", by_nature), ("按帮扶领域", "by-field", by_field)],
        map,
        chart,
        updating: d.as_ref().and_then(|d| d.updating).map(super::fmt_time),
        errors,
        q,
    };
    Ok((status, page).into_response())
}
