//! The registry import: upload, preview without writing, commit in the background once, and the job page.

use super::*;

/// A commit running (or finished) in the background.
pub(super) struct ImportJob {
    user_id: i64,
    created: i64,
    file: String,
    done: usize,
    total: usize,
    /// `None` while running; then (created, updated) or the error.
    outcome: Option<Result<(usize, usize), String>>,
}

pub(super) fn import_jobs() -> &'static Mutex<HashMap<String, ImportJob>> {
    static JOBS: OnceLock<Mutex<HashMap<String, ImportJob>>> = OnceLock::new();
    JOBS.get_or_init(Default::default)
}

pub(super) struct ImportPreviewRow {
    row: usize,
    action: &'static str,
    code: String,
    name: String,
    type_label: &'static str,
    region_name: String,
}

/// Rows of the preview table shown at most.
pub(super) const PREVIEW_LIMIT: usize = 200;

#[derive(Template, WebTemplate)]
#[template(path = "orgimport_form.html")]
pub(super) struct OrgImportPage {
    layout: Layout,
    file_name: String,
    total_rows: usize,
    create: usize,
    update: usize,
    unchanged: usize,
    errors: Vec<RowError>,
    more_errors: usize,
    /// The full error list's download token, when the upload has errors.
    errors_token: String,
    preview: Vec<ImportPreviewRow>,
    token: String,
    form_error: Option<String>,
}

impl OrgImportPage {
    fn more_rows(&self) -> usize {
        (self.create + self.update).saturating_sub(self.preview.len())
    }
}

pub(super) fn may_import(cu: &CurrentUser) -> Result<(), AppError> {
    match cu.principal.role() {
        Role::Admin | Role::CivilAffairs => may_approve(cu),
        _ => Err(AppError::Forbidden),
    }
}

pub(super) async fn import_page(state: &AppState, cu: &CurrentUser, toast: Option<String>) -> OrgImportPage {
    OrgImportPage {
        layout: Layout::new(state, cu, "orgs", toast).await,
        file_name: String::new(),
        total_rows: 0,
        create: 0,
        update: 0,
        unchanged: 0,
        errors: Vec::new(),
        more_errors: 0,
        errors_token: String::new(),
        preview: Vec::new(),
        token: String::new(),
        form_error: None,
    }
}

pub(super) async fn import_form(State(state): State<AppState>, cu: CurrentUser, Query(t): Query<Toast>) -> Result<OrgImportPage, AppError> {
    may_import(&cu)?;
    Ok(import_page(&state, &cu, t.ok).await)
}

pub(super) async fn import_upload(State(state): State<AppState>, PostedUpload { user: cu, form: mp }: PostedUpload) -> Result<Response, AppError> {
    may_import(&cu)?;
    let mut page = import_page(&state, &cu, None).await;
    // An empty file goes on to the reader, which says that it is empty.
    let Some((file_name, bytes)) = mp.file.filter(|(n, _)| !n.is_empty()) else {
        page.form_error = Some("请选择要上传的文件".into());
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let file_name = clean_file_name(&file_name);
    page.file_name = file_name.clone();
    let table = match duijie_office::read_table_limited(&file_name, &bytes, imports::ORG_REQUIRED, &state.config.import_limits.registry()) {
        Ok(t) => t,
        Err(e) => {
            page.form_error = Some(e.to_string());
            page.file_name.clear();
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let existing: HashMap<String, Organization> = orgs::all(&state.db).await?.into_iter().map(|o| (o.credit_code.clone(), o)).collect();
    let plan = imports::plan_organizations(&table, &state.tree, cu.principal.region(), &existing, duijie_office::MAX_SHOWN_ERRORS);
    page.total_rows = plan.rows;
    page.create = plan.create.len();
    page.update = plan.update.len();
    page.unchanged = plan.unchanged;
    let row = |action: &'static str, r: &imports::OrgRow| ImportPreviewRow {
        row: r.row,
        action,
        code: r.credit_code.to_string(),
        name: r.profile.name.clone(),
        type_label: r.org_type.label(),
        region_name: state.tree.full_name(&r.region),
    };
    page.preview = plan
        .create
        .iter()
        .map(|r| row("新增", r))
        .chain(plan.update.iter().map(|(_, r)| row("更新", r)))
        .take(PREVIEW_LIMIT)
        .collect();
    page.preview.sort_by_key(|r| r.row);
    page.errors = plan.errors.clone();
    page.more_errors = plan.more_errors;
    if page.errors.is_empty() {
        page.token = state.org_previews.put(cu.user.id, (file_name, plan));
    } else {
        page.errors_token = super::super::import_errors::keep(&state, &cu, &file_name, &bytes, super::super::import_errors::ImportKind::Registry);
    }
    let status = if page.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, page).into_response())
}

#[derive(serde::Deserialize)]
pub(super) struct CommitForm {
    #[serde(default)]
    token: String,
}

pub(super) async fn import_commit(State(state): State<AppState>, p: Posted<CommitForm>) -> Result<Response, AppError> {
    may_import(&p.user)?;
    let now = duijie_store::now();
    let Some((file, plan)) = state.org_previews.take(&p.form.token, p.user.user.id) else {
        return Err(AppError::bad("导入预览已失效（超过 30 分钟或已提交），请重新上传文件"));
    };
    let job_id = duijie_domain::crypto::random_token();
    {
        let mut jobs = lock(import_jobs());
        jobs.retain(|_, j| j.outcome.is_none() || now - j.created < KEEP_SECONDS);
        jobs.insert(job_id.clone(), ImportJob {
            user_id: p.user.user.id,
            created: now,
            file: file.clone(),
            done: 0,
            total: plan.create.len() + plan.update.len(),
            outcome: None,
        });
    }
    let db = state.db.clone();
    let who = actor(&p.user);
    let id = job_id.clone();
    tokio::spawn(async move {
        let progress_id = id.clone();
        let result = imports::commit_organizations(&db, &who, &file, &plan, move |done, total| {
            if let Some(j) = lock(import_jobs()).get_mut(&progress_id) {
                j.done = done;
                j.total = total;
            }
        })
        .await;
        if let Err(e) = &result {
            tracing::error!(job = %id, "registry import failed: {e}");
        }
        if let Some(j) = lock(import_jobs()).get_mut(&id) {
            j.outcome = Some(result.map_err(|e| match e {
                duijie_store::Error::Conflict(m) | duijie_store::Error::Invalid(m) => m,
                _ => "写入数据库时出错，没有写入任何数据；请稍后重试或联系管理员".into(),
            }));
        }
    });
    Ok(axum::response::Redirect::to(&format!("/orgs/import/jobs/{job_id}")).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "orgimport_job.html")]
pub(super) struct JobPage {
    layout: Layout,
    file: String,
    running: bool,
    done: usize,
    total: usize,
    created: usize,
    updated: usize,
    error: Option<String>,
}

pub(super) async fn job_page(State(state): State<AppState>, cu: CurrentUser, Path(id): Path<String>) -> Result<Response, AppError> {
    let (file, running, done, total, created, updated, error) = {
        let jobs = lock(import_jobs());
        let job = jobs.get(&id).filter(|j| j.user_id == cu.user.id).ok_or(AppError::NotFound)?;
        match &job.outcome {
            None => (job.file.clone(), true, job.done, job.total, 0, 0, None),
            Some(Ok((c, u))) => (job.file.clone(), false, job.total, job.total, *c, *u, None),
            Some(Err(e)) => (job.file.clone(), false, job.done, job.total, 0, 0, Some(e.clone())),
        }
    };
    let page = JobPage { layout: Layout::new(&state, &cu, "orgs", None).await, file, running, done, total, created, updated, error };
    if running {
        // The page also carries `<meta http-equiv="refresh">`; the header covers browsers that ignore it outside <head>.
        Ok(([(header::REFRESH, "1")], page).into_response())
    } else {
        Ok(page.into_response())
    }
}

pub(super) async fn import_template(cu: CurrentUser) -> Result<Response, AppError> {
    may_import(&cu)?;
    let required = ["统一社会信用代码", "名称", "类型", "登记管理机关区划代码"];
    let headers: Vec<(&str, bool)> = imports::ORG_HEADERS.iter().map(|h| (*h, required.contains(h))).collect();
    let example_code = Uscc::complete("52530628MA6K0001").map(|c| c.to_string()).unwrap_or_default();
    let example: Vec<&str> = vec![
        &example_code, "彝良县乡村发展促进会", "社会服务机构", "530628", "彝良县农业农村局", "产业、教育", "3A", "是",
        "张三", "0870-1234567", "云南省昭通市彝良县角奎镇", "正常", "",
    ];
    let bytes = duijie_office::template::template_xlsx("社会组织登记信息导入模板", &headers, &example).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"org-registry-template.xlsx\"; filename*=UTF-8''%E7%A4%BE%E4%BC%9A%E7%BB%84%E7%BB%87%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx",
            ),
        ],
        bytes,
    )
        .into_response())
}
