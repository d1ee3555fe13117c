//! Projects (帮扶项目): recorded by an organisation (directly or under one of
//! its active pairings; a confirmed match starts one by itself), listed within
//! the caller's scope with filters, shown with their progress, moved on by
//! progress updates with evidence, confirmed by the helped county, stopped,
//! and exported in the layout of Jiangsu's 附件2.
//!
//! Guarantees:
//! - Every project read by id is opened through [`crate::open`]: its
//!   organisation and the officers over its region see it, anyone else gets
//!   `NotFound`; only the organisation records, edits, adds progress or stops
//!   (`RecordProject`, `EditProject`), only the helped county's
//!   rural-revitalisation office confirms (`ConfirmProject`).
//! - One reading of a project's fields for the page, the API, imports and
//!   edits: [`ProjectInput::check`] → `duijie_domain::project::NewProject::parse`.
//!   An edit is written only at the version its form was read from ([`edit`]).
//! - An evidence file is kept only if its bytes are a JPG, PNG or PDF and its
//!   name says the same type (a PDF named .jpg is refused); a picture gets a
//!   thumbnail at upload ([`crate::thumbnail`]: its declared size checked
//!   before anything is decoded).
//! - A province's natures (项目性质) are kept by its own provincial office
//!   only ([`set_natures`]); a project keeps the nature it was recorded with.
//! - A filled 附件2 uploaded by an organisation ([`import_list`]) is all or
//!   nothing: access is decided once (`RecordProject` on the caller's own
//!   organisation), every line is read by the same [`ProjectInput::check`] and
//!   must name the caller's own organisation; if any cell is bad, every bad
//!   cell comes back by row and column and nothing is written, otherwise every
//!   line becomes a project in one transaction. The same file (by its SM3
//!   digest) is imported once per organisation; again, it is refused as
//!   already imported.

use crate::pickers::{Typed, read_filter};
use crate::{Error, Platform};
use duijie_domain::authz::{Action, Target, decide};
use duijie_domain::project::{NewProgress, NewProject, Source, Status};
use duijie_domain::{FieldError, Level, Principal, RegionCode, Role};
use duijie_store::Actor;
use duijie_office::project_list::{PROJECT_LIST_HEADERS, read_project_list};
use duijie_office::{Limits, MAX_SHOWN_ERRORS, RowError, keep_error};
use duijie_store::projects::{self, Evidence, EvidenceInfo, Filter, Progress, Project, Recorded, Upload};

/// What an organisation types to record a project (page form and API body).
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct ProjectInput {
    /// 项目名称。
    #[serde(default)]
    pub title: String,
    /// 帮扶地区：省、市、县、乡镇或村的名称或区划代码。
    #[serde(default)]
    pub region: String,
    /// 项目性质（民生帮扶、产业帮扶、消费帮扶、教育帮扶、生态帮扶、医疗卫生帮扶、志愿服务、其他）。
    #[serde(default)]
    pub nature: String,
    /// 帮扶领域（可空）。
    #[serde(default)]
    pub field: String,
    /// relief（输血）或 capacity（造血），可空。
    #[serde(default)]
    pub mode: String,
    #[serde(default)]
    #[schema(schema_with = crate::schema::wan)]
    pub planned_funds_wan: String,
    #[serde(default)]
    #[schema(schema_with = crate::schema::wan)]
    pub actual_funds_wan: String,
    /// 投入人员数。
    #[serde(default)]
    #[schema(schema_with = crate::schema::integer)]
    pub people: String,
    /// 受益人数。
    #[serde(default)]
    #[schema(schema_with = crate::schema::integer)]
    pub beneficiaries: String,
    /// 受益群体，以“、”分隔。
    #[serde(default)]
    pub beneficiary_groups: String,
    /// 开始、结束日期（如 2026-03-01），可空。
    #[serde(default)]
    pub start_date: String,
    #[serde(default)]
    pub end_date: String,
    #[serde(default)]
    pub description: String,
    /// 所属结对（本组织生效中的结对编号），可空：不填为自行录入的项目。
    #[serde(default)]
    #[schema(schema_with = crate::schema::integer)]
    pub pairing_id: String,
    /// 所属专项行动（全国性行动或帮扶地区所在省的行动的编号，见 `/actions`），可空。
    #[serde(default)]
    #[schema(schema_with = crate::schema::integer)]
    pub action_id: String,
}

/// The province whose natures `who` uses: its unit's (an organisation's: where it is registered).
fn province_of(who: &Principal) -> String {
    who.region().as_str().chars().take(2).collect()
}

/// The natures (项目性质) the caller's province uses.
pub async fn natures(p: &Platform, who: &Principal) -> Result<Vec<String>, Error> {
    Ok(projects::natures(&p.db, &province_of(who)).await?)
}

/// A province's list of natures as its provincial office keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NatureList {
    /// The province (two digits) and its name.
    pub province: String,
    pub province_name: String,
    /// The names in use, in order.
    pub natures: Vec<String>,
    /// Whether the province keeps its own list (else the platform's default is in use).
    pub own: bool,
}

/// The caller's province, if the caller is its provincial office (`ManageProjectNatures`).
fn natures_province(who: &Principal) -> Result<String, Error> {
    crate::require(duijie_domain::authz::decide(who, Action::ManageProjectNatures, duijie_domain::authz::Target::Region(who.region())))?;
    Ok(province_of(who))
}

/// Whether the caller keeps its province's natures (the list page offers the link).
pub fn may_manage_natures(who: &Principal) -> bool {
    natures_province(who).is_ok()
}

/// The caller's province's natures, for its provincial office.
pub async fn nature_list(p: &Platform, who: &Principal) -> Result<NatureList, Error> {
    let province = natures_province(who)?;
    let own = projects::own_natures(&p.db, &province).await?;
    Ok(NatureList {
        province_name: crate::actions_liaisons::province_label(&p.tree, &province),
        own: !own.is_empty(),
        natures: if own.is_empty() { projects::natures(&p.db, &province).await? } else { own },
        province,
    })
}

/// The provincial office replaces its province's natures: every name
/// non-empty, at most 20 characters, none twice (`project::check_natures`);
/// projects already recorded keep their nature.
pub async fn set_natures(p: &Platform, who: &Principal, actor: &Actor, names: &[String]) -> Result<NatureList, Error> {
    let province = natures_province(who)?;
    let names = duijie_domain::project::check_natures(names).map_err(Error::Invalid)?;
    let mut tx = p.db.begin().await?;
    projects::set_natures(&mut tx, actor, &province, &names).await?;
    tx.commit().await?;
    nature_list(p, who).await
}

impl ProjectInput {
    /// Reads the form: the region by name or code, every field checked by
    /// `NewProject::parse`; every bad field named.
    pub async fn check(&self, p: &Platform, who: &Principal) -> Result<NewProject, Error> {
        let natures = natures(p, who).await?;
        self.check_with(p, &natures).await
    }

    /// [`ProjectInput::check`] with the caller's natures already read (an import reads them once).
    async fn check_with(&self, p: &Platform, natures: &[String]) -> Result<NewProject, Error> {
        let mut region_text = self.region.clone();
        let typed = Typed::region(&p.db, &p.tree, &mut region_text, &RegionCode::national(), Level::Village).await;
        let region = match typed.into_reason() {
            Some(why) => Err(why),
            None => read_code(p, &region_text).await,
        };
        let t = duijie_domain::project::Typed {
            title: &self.title,
            nature: &self.nature,
            field: &self.field,
            mode: &self.mode,
            planned_funds_wan: &self.planned_funds_wan,
            actual_funds_wan: &self.actual_funds_wan,
            people: &self.people,
            beneficiaries: &self.beneficiaries,
            beneficiary_groups: &self.beneficiary_groups,
            start_date: &self.start_date,
            end_date: &self.end_date,
            description: &self.description,
        };
        NewProject::parse(&t, region, natures).map_err(Error::Invalid)
    }
}

/// A region code that exists: in the tree, or a village loaded into the database.
async fn read_code(p: &Platform, text: &str) -> Result<RegionCode, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("请填写帮扶地区（省、市、县、乡镇或村）".into());
    }
    let code = RegionCode::parse(t).map_err(|_| format!("“{t}”不是有效的区划代码或地区名称"))?;
    let known = if code.level() == Level::Village {
        duijie_store::regions::village(&p.db, &code).await.map_err(|_| "暂时无法查询村级区划，请稍后再试".to_string())?.is_some()
    } else {
        code.level() != Level::National && p.tree.get(&code).is_some()
    };
    if known { Ok(code) } else { Err(format!("没有区划代码为 {t} 的地区")) }
}

/// Records a project for the caller's organisation: directly, or under one of
/// its active pairings (the project's region then lies in the pairing's).
pub async fn create(p: &Platform, who: &Principal, actor: &Actor, input: &ProjectInput) -> Result<i64, Error> {
    let org_id = who.org_id().filter(|_| who.role() == Role::Organization).ok_or(Error::Forbidden)?;
    crate::open(duijie_store::orgs::get(&p.db, org_id).await?, who, Action::RecordProject)?;
    let checked = input.check(p, who).await;
    let pairing = match input.pairing_id.trim() {
        "" => Ok(None),
        t => match t.parse::<i64>() {
            Ok(id) => pairing_of(p, who, org_id, id).await.map(Some),
            Err(_) => Err(FieldError::new("pairing_id", format!("所属结对应为结对编号（整数），而不是“{t}”"))),
        },
    };
    let action = match &checked {
        Ok(n) => read_action(p, &input.action_id, &n.region).await,
        Err(_) => Ok(None),
    };
    let (project, pairing, action_id) = match (checked, pairing, action) {
        (Ok(n), Ok(pairing), Ok(action)) => (n, pairing, action),
        (Err(Error::Invalid(mut errors)), pairing, _) => {
            errors.extend(pairing.err());
            return Err(Error::Invalid(errors));
        }
        (Err(e), _, _) => return Err(e),
        (Ok(_), pairing, action) => return Err(Error::Invalid(pairing.err().into_iter().chain(action.err()).collect())),
    };
    if let Some(pr) = &pairing
        && !pr.region_code.contains(&project.region)
    {
        return Err(Error::field("region", format!("结对帮扶项目的地区应在结对地区（{}）之内", p.tree.full_name(&pr.region_code))));
    }
    let source = if pairing.is_some() { Source::Pairing } else { Source::Direct };
    let r = Recorded { org_id, source, pairing_id: pairing.map(|x| x.id), action_id, project, is_demo: false };
    let mut tx = p.db.begin().await?;
    let id = projects::create(&mut tx, actor, &r).await.map_err(crate::pairing::form_error)?;
    tx.commit().await?;
    Ok(id)
}

/// The special action named by `text` (its id), if it may carry a project
/// helping `region`: a national action or one of the region's province.
async fn read_action(p: &Platform, text: &str, region: &RegionCode) -> Result<Option<i64>, FieldError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let unknown = || FieldError::new("action_id", format!("没有编号为“{t}”的专项行动"));
    let id = t.parse::<i64>().map_err(|_| unknown())?;
    let action = duijie_store::actions::get(&p.db, id).await.map_err(|_| FieldError::new("action_id", "暂时无法查询专项行动，请稍后再试"))?.ok_or_else(unknown)?;
    if action.province_code.is_empty() || region.as_str().starts_with(&action.province_code) {
        Ok(Some(action.id))
    } else {
        let province = crate::actions_liaisons::province_label(&p.tree, &action.province_code);
        Err(FieldError::new("action_id", format!("“{}”是{}的专项行动，项目的帮扶地区不在该省：请选择全国性行动或帮扶地区所在省的行动", action.name, province)))
    }
}

/// The special actions a project may name, as (id, 全国/province：name): the
/// national ones and, for `province` (two digits), that province's; every
/// province's when `province` is `None` (before the helped region is chosen, and in list filters).
pub async fn actions(p: &Platform, province: Option<&str>) -> Result<Vec<(i64, String)>, Error> {
    Ok(duijie_store::actions::all(&p.db)
        .await?
        .into_iter()
        .filter(|a| a.province_code.is_empty() || province.is_none_or(|pr| pr == a.province_code))
        .map(|a| {
            let whose = if a.province_code.is_empty() { "全国".to_string() } else { crate::actions_liaisons::province_label(&p.tree, &a.province_code) };
            (a.id, format!("{whose}：{}", a.name))
        })
        .collect())
}

/// The organisation's own active pairing `id`, or why it cannot carry a project.
async fn pairing_of(p: &Platform, who: &Principal, org_id: i64, id: i64) -> Result<duijie_store::pairing::Pairing, FieldError> {
    let not_ours = || FieldError::new("pairing_id", "没有这个结对，或它不属于本组织");
    let loaded = duijie_store::pairing::get(&p.db, id).await.map_err(|_| FieldError::new("pairing_id", "暂时无法查询结对，请稍后再试"))?;
    let pr = crate::open(loaded, who, Action::ViewPairing).map_err(|_| not_ours())?;
    if pr.org_id != org_id {
        return Err(not_ours());
    }
    if pr.status != duijie_domain::pairing::Status::Active {
        return Err(FieldError::new("pairing_id", "该结对尚未生效（协议确认后才能在其下录入项目）"));
    }
    Ok(pr)
}

/// A list's filters as typed (page query and API query alike).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ListInput {
    /// 帮扶地区（名称或区划代码）：只看该地区及其下级。
    #[serde(default)]
    pub region: String,
    /// 项目性质。
    #[serde(default)]
    pub nature: String,
    /// 帮扶领域。
    #[serde(default)]
    pub field: String,
    /// 专项行动的编号。
    #[serde(default)]
    pub action: String,
    /// planned、in_progress、done、stopped。
    #[serde(default)]
    pub status: String,
    /// 期间起止（如 2026-01-01、2026-06-30）：实施期与之相交的项目。
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    /// 开始月份（如 2026-03）：只看该月开始的项目。
    #[serde(default)]
    pub started: String,
}

impl ListInput {
    /// The filter, or every bad field named.
    pub async fn check(&self, p: &Platform, who: &Principal) -> Result<Filter, Error> {
        let mut errors = Vec::new();
        let region = match read_filter(p, Some(who), &self.region).await {
            Ok(t) if t.trim().is_empty() => None,
            Ok(t) => match RegionCode::parse(t.trim()) {
                Ok(r) => Some(r),
                Err(_) => {
                    errors.push(FieldError::new("region", format!("“{}”不是有效的地区", t.trim())));
                    None
                }
            },
            Err(why) => {
                errors.push(FieldError::new("region", why));
                None
            }
        };
        let status = match self.status.trim() {
            "" => None,
            s => Status::parse(s).or_else(|| {
                errors.push(FieldError::new("status", "状态应为 planned、in_progress、done 或 stopped"));
                None
            }),
        };
        let day = |errors: &mut Vec<FieldError>, field: &str, label: &str, v: &str| match duijie_domain::project::parse_day(field, label, v) {
            Ok(d) if d.is_empty() => None,
            Ok(d) => Some(d),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let action = match self.action.trim() {
            "" => None,
            a => a.parse::<i64>().map(Some).unwrap_or_else(|_| {
                errors.push(FieldError::new("action", format!("专项行动应为行动编号（整数），而不是“{a}”")));
                None
            }),
        };
        let from = day(&mut errors, "from", "期间开始", &self.from);
        let to = day(&mut errors, "to", "期间结束", &self.to);
        let started = match duijie_domain::project::parse_month("started", "开始月份", &self.started) {
            Ok(m) if m.is_empty() => None,
            Ok(m) => Some(m),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        Ok(Filter { region, nature: text(&self.nature), field: text(&self.field), action, status, from, to, started })
    }
}

/// One page of the projects the caller sees (its scope), and the total.
pub async fn list(p: &Platform, who: &Principal, f: &Filter, limit: i64, offset: i64) -> Result<(Vec<Project>, i64), Error> {
    Ok(projects::list(&p.db, &who.scope(), f, limit, offset).await?)
}

/// A dashboard of the projects the caller sees under a filter: the totals,
/// and the same projects by 项目性质, by field, by child region and by the
/// month they start. Every figure is a count over the rows [`list`] shows for
/// the same filter, so each links to its list.
#[derive(Debug, Clone)]
pub struct Dashboard {
    pub totals: projects::Totals,
    pub by_nature: Vec<projects::Group>,
    pub by_field: Vec<projects::Group>,
    /// Keyed by the child region's code, with its name.
    pub by_region: Vec<(projects::Group, String)>,
    pub by_month: Vec<projects::Group>,
    /// The region whose children `by_region` lists.
    pub within: RegionCode,
    /// The matching success rate of `within` for the period (the filter's,
    /// or this year so far), for officers who may see it.
    pub matching: Option<Matching>,
    /// How many of the national key counties in `within` are covered by a
    /// pairing, for officers who may see coverage.
    pub coverage: Option<Coverage>,
    /// When the projects changed since the figures shown were computed (the
    /// whole country's take seconds) and newer ones are being computed: the
    /// time (Unix seconds) the figures shown were computed.
    pub updating: Option<i64>,
    /// The figures as kept for everyone asking the same (the page draws their map once).
    pub kept: std::sync::Arc<crate::figures::Figures>,
}

/// The matching success rate shown beside the projects.
#[derive(Debug, Clone)]
pub struct Matching {
    pub rate: duijie_store::demand::catalog::SuccessRate,
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
}

/// Pairing coverage of a target set, as counts.
#[derive(Debug, Clone)]
pub struct Coverage {
    /// The target spec (`national_key:53`), for the link to the coverage page.
    pub targets: String,
    pub summary: duijie_store::pairing::coverage::Summary,
}

/// The dashboard for `who` under `f`. The project figures are shared with
/// everyone of the same role and scope asking the same (see [`crate::figures`]).
pub async fn dashboard(p: &Platform, who: &Principal, f: &Filter) -> Result<Dashboard, Error> {
    let scope = who.scope();
    let within = f.region.clone().or_else(|| scope.region().cloned()).unwrap_or_else(RegionCode::national);
    let child_len = within.level().child().filter(|l| *l <= Level::Village).map(|l| l.code_len()).unwrap_or(12);
    let shown = p.figures.figures(&p.db, format!("{:?}", who.role()), &scope, f, child_len).await?;
    let figures = &shown.figures;
    let by_region = figures
        .by_region
        .iter()
        .map(|g| {
            let name = RegionCode::parse(&g.key).map(|c| p.tree.full_name(&c)).unwrap_or_else(|_| g.key.clone());
            (g.clone(), name)
        })
        .collect();
    let matching = match_rate(p, who, f, &within).await?;
    let coverage = coverage(p, who, &within).await?;
    Ok(Dashboard {
        matching,
        coverage,
        totals: figures.totals.clone(),
        by_nature: figures.by_nature.clone(),
        by_field: figures.by_field.clone(),
        by_region,
        by_month: figures.by_month.clone(),
        within,
        updating: shown.updating.then_some(figures.computed_at),
        kept: shown.figures.clone(),
    })
}

/// The success rate of `within` over the filter's period (this year so far
/// without one), when `who` is an officer who may see it.
async fn match_rate(p: &Platform, who: &Principal, f: &Filter, within: &RegionCode) -> Result<Option<Matching>, Error> {
    if !who.role().is_government() || !decide(who, Action::ViewMatchStats, Target::Region(within)).is_allowed() {
        return Ok(None);
    }
    let day = |d: &Option<String>| d.as_deref().and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    let to = day(&f.to).unwrap_or_else(crate::today);
    let from = day(&f.from).unwrap_or_else(|| chrono::NaiveDate::from_ymd_opt(chrono::Datelike::year(&to), 1, 1).unwrap_or(to));
    if to < from {
        return Ok(None);
    }
    let rate = crate::demand::success_rate(p, who, within, from, to).await?;
    Ok(Some(Matching { rate, from, to }))
}

/// Coverage of the national key counties in `within` (the province's or
/// prefecture's; the country's for a national officer), when `who` is an
/// officer who may see it; counties below a prefecture have no target set.
async fn coverage(p: &Platform, who: &Principal, within: &RegionCode) -> Result<Option<Coverage>, Error> {
    if !who.role().is_government() || within.level() > Level::Prefecture {
        return Ok(None);
    }
    let spec = if within.level() == Level::National { "national_key".to_string() } else { format!("national_key:{within}") };
    let Ok(targets) = crate::pairing::targets_for(who, &spec) else { return Ok(None) };
    let rows = crate::pairing::coverage(p, who, &targets).await?;
    Ok(Some(Coverage { targets: spec, summary: duijie_store::pairing::coverage::Summary::of(&rows) }))
}

/// A project the caller may see.
pub async fn visible(p: &Platform, who: &Principal, id: i64) -> Result<Project, Error> {
    crate::open(projects::get(&p.db, id).await?, who, Action::ViewProject)
}

/// A project with its progress (newest first) and evidence files.
pub struct Detail {
    pub project: Project,
    pub progress: Vec<Progress>,
    pub files: Vec<EvidenceInfo>,
    /// Whether the caller may add progress or stop it (its organisation).
    pub may_edit: bool,
    /// Whether the caller may confirm it done (the helped county).
    pub may_confirm: bool,
}

pub async fn detail(p: &Platform, who: &Principal, id: i64) -> Result<Detail, Error> {
    let loaded = projects::get(&p.db, id).await?;
    let may_edit = loaded.as_ref().is_some_and(|l| l.decision(who, Action::EditProject).is_allowed());
    let may_confirm = loaded.as_ref().is_some_and(|l| l.decision(who, Action::ConfirmProject).is_allowed());
    let project = crate::open(loaded, who, Action::ViewProject)?;
    let progress = projects::progress_of(&p.db, id).await?;
    let files = projects::files_of(&p.db, id).await?;
    Ok(Detail { may_edit: may_edit && !project.status().is_closed(), may_confirm: may_confirm && project.status() == Status::InProgress, project, progress, files })
}

/// A progress update as typed.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct ProgressInput {
    /// 进展日期（如 2026-06-30）。
    #[serde(default)]
    pub on: String,
    /// 本次完成的工作。
    #[serde(default)]
    pub note: String,
    /// 截至本次的累计投入资金（万元）。
    #[serde(default)]
    #[schema(schema_with = crate::schema::wan)]
    pub funds_wan: String,
    /// 截至本次的累计投入人员数。
    #[serde(default)]
    #[schema(schema_with = crate::schema::integer)]
    pub people: String,
    /// 截至本次的累计受益人数。
    #[serde(default)]
    #[schema(schema_with = crate::schema::integer)]
    pub beneficiaries: String,
}

/// An evidence file as uploaded: its name and bytes.
pub struct EvidenceFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The most evidence files one update keeps.
pub const MAX_FILES: usize = 10;

/// The content type of an evidence file — a JPG, PNG or PDF whose name says so — or why not.
pub fn evidence_type(name: &str, bytes: &[u8]) -> Result<&'static str, String> {
    let kind = match crate::files::sniff_scan(bytes) {
        Some(t @ ("image/jpeg" | "image/png" | "application/pdf")) => t,
        _ => return Err(format!("文件“{name}”不是 JPG、PNG 图片或 PDF 文件")),
    };
    let lower = name.to_lowercase();
    let named = if lower.ends_with(".jpg") || lower.ends_with(".jpeg") {
        "image/jpeg"
    } else if lower.ends_with(".png") {
        "image/png"
    } else if lower.ends_with(".pdf") {
        "application/pdf"
    } else {
        return Err(format!("文件“{name}”的扩展名应为 .jpg、.png 或 .pdf"));
    };
    if named != kind {
        let what = |t: &str| match t {
            "image/jpeg" => "JPG 图片",
            "image/png" => "PNG 图片",
            _ => "PDF 文件",
        };
        return Err(format!("文件“{name}”的名称是{}，内容却是{}，请核对后重新上传", what(named), what(kind)));
    }
    Ok(kind)
}

/// The thumbnails of the pictures among `files` (of `kinds`), made off the
/// request's thread; `None` for PDFs and for pictures too large or unreadable.
async fn thumbnails(files: &[EvidenceFile], kinds: &[&'static str]) -> Result<Vec<Option<Vec<u8>>>, Error> {
    let pictures: Vec<(Vec<u8>, &'static str)> = files.iter().zip(kinds).map(|(f, k)| if k.starts_with("image/") { (f.bytes.clone(), *k) } else { (Vec::new(), *k) }).collect();
    tokio::task::spawn_blocking(move || {
        pictures
            .iter()
            .map(|(bytes, kind)| match crate::thumbnail::make(bytes, kind) {
                Ok(t) => Some(t),
                Err(why) => {
                    if why != crate::thumbnail::NoThumbnail::NotAPicture {
                        tracing::info!(?why, "evidence picture kept without a thumbnail");
                    }
                    None
                }
            })
            .collect()
    })
    .await
    .map_err(|e| Error::Internal(format!("缩略图生成失败：{e}")))
}

/// A thumbnail of an evidence picture of a project the caller may see.
pub async fn evidence_thumbnail(p: &Platform, who: &Principal, file_id: i64) -> Result<Evidence, Error> {
    crate::open(projects::thumbnail(&p.db, file_id).await?, who, Action::ViewProject)
}

/// Adds a progress update with its evidence (the organisation).
pub async fn add_progress(p: &Platform, who: &Principal, actor: &Actor, id: i64, input: &ProgressInput, files: &[EvidenceFile]) -> Result<i64, Error> {
    crate::open(projects::get(&p.db, id).await?, who, Action::EditProject)?;
    let checked = NewProgress::parse(&input.on, &input.note, &input.funds_wan, &input.people, &input.beneficiaries, crate::today());
    let mut errors = checked.as_ref().err().cloned().unwrap_or_default();
    if files.len() > MAX_FILES {
        errors.push(FieldError::new("files", format!("每次最多上传 {MAX_FILES} 个文件")));
    }
    let mut kinds = Vec::new();
    for f in files {
        match evidence_type(&f.name, &f.bytes) {
            Ok(k) => kinds.push(k),
            Err(m) => errors.push(FieldError::new("files", m)),
        }
    }
    let progress = match checked {
        Ok(n) if errors.is_empty() => n,
        _ => return Err(Error::Invalid(errors)),
    };
    let names: Vec<String> = files.iter().map(|f| crate::files::clean_file_name(&f.name)).collect();
    let thumbnails = thumbnails(files, &kinds).await?;
    let uploads: Vec<Upload<'_>> = files
        .iter()
        .zip(&kinds)
        .zip(&names)
        .zip(&thumbnails)
        .map(|(((f, k), n), t)| Upload { file_name: n, content_type: k, bytes: &f.bytes, thumbnail: t.as_deref() })
        .collect();
    let mut tx = p.db.begin().await?;
    let out = projects::add_progress(&mut tx, actor, id, &progress, &uploads).await.map_err(crate::pairing::form_error)?;
    tx.commit().await?;
    Ok(out)
}

/// The helped county confirms the project done.
pub async fn confirm(p: &Platform, who: &Principal, actor: &Actor, id: i64) -> Result<Project, Error> {
    crate::open(projects::get(&p.db, id).await?, who, Action::ConfirmProject)?;
    let mut tx = p.db.begin().await?;
    let after = projects::confirm(&mut tx, actor, id).await.map_err(crate::pairing::form_error)?;
    tx.commit().await?;
    Ok(after)
}

/// What an organisation sends to edit its project: the same fields as when
/// recording it (read by the same [`ProjectInput::check`]) and the version
/// of the project its form was read from.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct ProjectEdit {
    #[serde(flatten)]
    pub project: ProjectInput,
    /// 读取项目时得到的版本号（`version`）：项目在此之后被他人修改或有了新进展的，修改不会写入（409），请重新读取后再改。
    #[serde(default)]
    #[schema(schema_with = crate::schema::integer)]
    pub version: String,
}

impl ProjectEdit {
    /// The form of `p` as it stands, to be edited.
    pub fn of(p: &Project) -> ProjectEdit {
        let wan = |fen: i64| if fen == 0 { String::new() } else { duijie_domain::pairing::format_wan(fen) };
        ProjectEdit {
            project: ProjectInput {
                title: p.title.clone(),
                region: p.region_code.to_string(),
                nature: p.nature.clone(),
                field: p.field.clone(),
                mode: p.mode.clone(),
                planned_funds_wan: wan(p.funds_fen),
                actual_funds_wan: wan(p.actual_funds_fen),
                people: p.people.to_string(),
                beneficiaries: p.beneficiaries.to_string(),
                beneficiary_groups: p.beneficiary_groups.clone(),
                start_date: p.start_date.clone(),
                end_date: p.end_date.clone(),
                description: p.description.clone(),
                pairing_id: p.pairing_id.map(|x| x.to_string()).unwrap_or_default(),
                action_id: p.action_id.map(|x| x.to_string()).unwrap_or_default(),
            },
            version: p.version.to_string(),
        }
    }
}

/// The organisation edits its planned or running project: every field read
/// as at creation (the project's own nature stays acceptable even if the
/// province has since dropped it), the pairing and a match's region fixed;
/// written only if nobody changed the project since `version` (else
/// `Changed`, 409, with the current state).
pub async fn edit(p: &Platform, who: &Principal, actor: &Actor, id: i64, input: &ProjectEdit) -> Result<Project, Error> {
    let project = crate::open(projects::get(&p.db, id).await?, who, Action::EditProject)?;
    let mut natures = natures(p, who).await?;
    if !natures.contains(&project.nature) {
        natures.push(project.nature.clone());
    }
    let mut errors = Vec::new();
    let version = match input.version.trim().parse::<i64>() {
        Ok(v) => Some(v),
        Err(_) => {
            errors.push(FieldError::new("version", "缺少项目的版本号（version，读取项目时得到），请刷新后重新修改"));
            None
        }
    };
    let pairing = project.pairing_id.map(|x| x.to_string()).unwrap_or_default();
    if !input.project.pairing_id.trim().is_empty() && input.project.pairing_id.trim() != pairing {
        errors.push(FieldError::new("pairing_id", "项目所属的结对不能修改"));
    }
    let checked = match input.project.check_with(p, &natures).await {
        Ok(n) => Some(n),
        Err(Error::Invalid(fields)) => {
            errors.extend(fields);
            None
        }
        Err(e) => return Err(e),
    };
    let mut action_id = None;
    if let Some(n) = &checked {
        match read_action(p, &input.project.action_id, &n.region).await {
            Ok(a) => action_id = a,
            Err(e) => errors.push(e),
        }
        if project.demand_id.is_some() && n.region != project.region_code {
            errors.push(FieldError::new("region", format!("该项目来自供需对接，帮扶地区即需求所在地区（{}），不能修改", p.tree.full_name(&project.region_code))));
        }
        if let Some(pid) = project.pairing_id {
            let pr = crate::open(duijie_store::pairing::get(&p.db, pid).await?, who, Action::ViewPairing)?;
            if !pr.region_code.contains(&n.region) {
                errors.push(FieldError::new("region", format!("结对帮扶项目的地区应在结对地区（{}）之内", p.tree.full_name(&pr.region_code))));
            }
        }
    }
    let (Some(n), Some(version), true) = (checked, version, errors.is_empty()) else { return Err(Error::Invalid(errors)) };
    let mut tx = p.db.begin().await?;
    let after = projects::edit(&mut tx, actor, id, version, &n, action_id).await?;
    tx.commit().await?;
    Ok(after)
}

/// The organisation stops its project, with a reason.
pub async fn stop(p: &Platform, who: &Principal, actor: &Actor, id: i64, reason: &str) -> Result<Project, Error> {
    crate::open(projects::get(&p.db, id).await?, who, Action::EditProject)?;
    if reason.trim().is_empty() || reason.chars().count() > 500 {
        return Err(Error::field("reason", "请写明终止的原因（500 字以内）"));
    }
    let mut tx = p.db.begin().await?;
    let after = projects::stop(&mut tx, actor, id, reason).await.map_err(crate::pairing::form_error)?;
    tx.commit().await?;
    Ok(after)
}

/// An evidence file of a project the caller may see.
pub async fn evidence(p: &Platform, who: &Principal, file_id: i64) -> Result<Evidence, Error> {
    crate::open(projects::file(&p.db, file_id).await?, who, Action::ViewProject)
}

/// The most rows an export writes.
pub const EXPORT_LIMIT: i64 = 100_000;

/// The helped region as 附件2 names it: province / prefecture / county (a
/// township's or village's county).
pub fn region_label(p: &Platform, code: &RegionCode) -> String {
    let county = code.ancestry().into_iter().take_while(|c| c.level() <= Level::County).last().unwrap_or_else(|| code.clone());
    p.tree.full_name(&county)
}

/// The projects the caller sees that match `f`, as Jiangsu's 附件2 (项目明细表) in .xlsx:
/// 投入资金 is what was spent (the actual funds), not what was planned.
pub async fn export(p: &Platform, who: &Principal, f: &Filter, unit: &str) -> Result<Vec<u8>, Error> {
    let (rows, _) = list(p, who, f, EXPORT_LIMIT, 0).await?;
    let lines: Vec<duijie_office::project_list::ProjectLine> = rows
        .iter()
        .map(|r| duijie_office::project_list::ProjectLine {
            org_name: r.org_name.clone(),
            region: region_label(p, &r.region_code),
            title: r.title.clone(),
            nature: r.nature.clone(),
            funds_fen: r.actual_funds_fen,
            people: r.people,
            beneficiaries: r.beneficiaries,
        })
        .collect();
    duijie_office::project_list::write_project_list(unit, &lines).map_err(|e| Error::Internal(e.to_string()))
}

/// The caller's organisation's active pairings a project may be recorded
/// under: (id, what is paired, as people read it).
pub async fn active_pairings(p: &Platform, who: &Principal) -> Result<Vec<(i64, String)>, Error> {
    if who.role() != Role::Organization {
        return Ok(Vec::new());
    }
    let f = duijie_store::pairing::Filter { status: "active".into(), ..Default::default() };
    let (rows, _) = duijie_store::pairing::list(&p.db, &who.scope(), &f, 200, 0).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let place = p.tree.full_name(&r.region_code);
            let what = if r.target_label.is_empty() { place } else { r.target_label };
            (r.id, format!("{what}（{}）", r.batch_name))
        })
        .collect())
}

/// The form field each column of 附件2 fills, in the order of
/// `PROJECT_LIST_HEADERS`: 投入资金 is what was spent, as the export writes it.
const LIST_FIELDS: [&str; 7] = ["org_name", "region", "title", "nature", "actual_funds_wan", "people", "beneficiaries"];

/// What an upload of a filled 附件2 came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListImport {
    /// Every line recorded as a project: their ids, in the file's order.
    Recorded(Vec<i64>),
    /// Nothing written: the bad cells by row (as the spreadsheet numbers
    /// them) and column (its header), at most `MAX_SHOWN_ERRORS`, and how many more.
    Refused { errors: Vec<RowError>, more: usize },
}

/// 帮扶地区 as 附件2 lets people write it — 陕西省汉中市略阳县, 陕西省/汉中市/略阳县,
/// 陕西省 汉中市 略阳县 or a code — read as one name (or code).
fn list_region(cell: &str) -> String {
    cell.chars().filter(|c| !c.is_whitespace() && !matches!(c, '/' | '／' | '\\' | '、' | '|' | '-' | '—')).collect()
}

/// The caller's own organisation, if it may record projects (the one decision of an import).
async fn own_org(p: &Platform, who: &Principal) -> Result<duijie_store::orgs::Organization, Error> {
    let org_id = who.org_id().filter(|_| who.role() == Role::Organization).ok_or(Error::Forbidden)?;
    crate::open(duijie_store::orgs::get(&p.db, org_id).await?, who, Action::RecordProject)
}

/// A filled 附件2 read and checked, nothing written.
struct ListCheck {
    rows: Vec<Recorded>,
    errors: Vec<RowError>,
    more: usize,
}

/// Reads the file and checks every line for `org`, keeping at most `keep` errors.
async fn check_lines(p: &Platform, who: &Principal, org: &duijie_store::orgs::Organization, file_name: &str, bytes: &[u8], limits: &Limits, keep: usize) -> Result<ListCheck, Error> {
    let lines = read_project_list(file_name, bytes, limits).map_err(|e| Error::field("file", e.to_string()))?;
    let natures = natures(p, who).await?;
    let mut out = ListCheck { rows: Vec::with_capacity(lines.len()), errors: Vec::new(), more: 0 };
    // A region named again is not looked up again in the tree: its code is used.
    let mut regions: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for line in &lines {
        let [org_name, region, title, nature, funds, people, beneficiaries] = &line.cells;
        let mut bad = |field: &str, message: String| {
            let column = LIST_FIELDS.iter().position(|f| *f == field).map_or("", |i| PROJECT_LIST_HEADERS[i]);
            keep_error(&mut out.errors, &mut out.more, keep, RowError { row: line.row, column: column.to_string(), message });
        };
        if org_name.is_empty() {
            bad("org_name", format!("请填写社会组织名称（本组织的全称“{}”）", org.name));
        } else if *org_name != org.name {
            bad("org_name", format!("“{org_name}”不是本组织：社会组织只能导入本组织开展的项目，请填写本组织的全称“{}”", org.name));
        }
        let region = list_region(region);
        let input = ProjectInput {
            title: title.clone(),
            region: regions.get(&region).cloned().unwrap_or_else(|| region.clone()),
            nature: nature.clone(),
            actual_funds_wan: funds.clone(),
            people: people.clone(),
            beneficiaries: beneficiaries.clone(),
            ..ProjectInput::default()
        };
        match input.check_with(p, &natures).await {
            Ok(project) => {
                regions.insert(region, project.region.to_string());
                out.rows.push(Recorded { org_id: org.id, source: Source::Direct, pairing_id: None, action_id: None, project, is_demo: false });
            }
            Err(Error::Invalid(fields)) => fields.into_iter().for_each(|f| bad(&f.field, f.message)),
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// Every bad cell of a filled 附件2 (the first `keep`, and how many more),
/// checked as [`import_list`] checks it; nothing is written (the full error
/// list an upload's page offers as a file).
pub async fn check_list(p: &Platform, who: &Principal, file_name: &str, bytes: &[u8], limits: &Limits, keep: usize) -> Result<(Vec<RowError>, usize), Error> {
    let org = own_org(p, who).await?;
    let checked = check_lines(p, who, &org, file_name, bytes, limits, keep).await?;
    Ok((checked.errors, checked.more))
}

/// Imports a filled 附件2 (项目明细表) for the caller's organisation: every
/// line checked as the form checks a project (`ProjectInput::check`) and
/// naming the caller's organisation; all or nothing, once per file.
///
/// A file that cannot be read as the form is `Invalid` on the field `file`
/// (the reader's Chinese reason); the same file again is `Conflict`.
pub async fn import_list(p: &Platform, who: &Principal, actor: &Actor, file_name: &str, bytes: &[u8], limits: &Limits) -> Result<ListImport, Error> {
    let org = own_org(p, who).await?;
    let digest = duijie_domain::crypto::sm3_hex(bytes);
    if let Some(before) = projects::imported(&p.db, org.id, &digest).await? {
        return Err(Error::Conflict(format!("{}（文件“{}”，{} 个项目）", projects::ALREADY_IMPORTED, before.file_name, before.project_count)));
    }
    let checked = check_lines(p, who, &org, file_name, bytes, limits, MAX_SHOWN_ERRORS).await?;
    if !checked.errors.is_empty() || checked.more > 0 {
        return Ok(ListImport::Refused { errors: checked.errors, more: checked.more });
    }
    let mut tx = p.db.begin().await?;
    let ids = projects::import(&mut tx, actor, org.id, &digest, &crate::files::clean_file_name(file_name), &checked.rows).await.map_err(|e| match e {
        duijie_store::Error::Conflict(m) => Error::Conflict(m),
        duijie_store::Error::Invalid(m) => Error::Rejected(m),
        other => other.into(),
    })?;
    tx.commit().await?;
    Ok(ListImport::Recorded(ids))
}
